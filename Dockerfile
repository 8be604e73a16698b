# Ambit image: control plane, ztunnel and waypoint brain (one binary, `ambit <command>`), plus Envoy for waypoints.
# compose.yaml passes ENVOY_IMAGE (pinned to envoyproxy/envoy:v1.40.0, the version the tests run).
ARG ENVOY_IMAGE=envoyproxy/envoy:v1.40.0
FROM ${ENVOY_IMAGE} AS envoy

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY proto ./proto
COPY bin ./bin
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=envoy /usr/local/bin/envoy /usr/local/bin/envoy
COPY --from=build /app /app
COPY envoy ./envoy
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/bin/ambit.js"]
