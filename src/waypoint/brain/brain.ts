/**
 * Composition of one waypoint brain: policy store + JWKS cache + workload index, the three gRPC services on one
 * endpoint, and the metrics/readiness HTTP listeners. Policies arrive through an injectable `PolicySource` (xDS in
 * production, direct `store.set()` in tests); whatever was last accepted keeps being enforced if the source goes away.
 */
import type { Tracer } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import type { Logger } from '../../shared/telemetry/logger.js';
import { BRAIN_TYPE_URLS } from '../../shared/authz/wire.js';
import { createAccessLogHandler } from './access-log-service.js';
import { createCheckHandler, type CheckHandler } from './authz-service.js';
import { createProcessHandler } from './ext-proc-service.js';
import { createBrainGrpcServer } from './grpc-server.js';
import { createBrainHttpServer } from './http-server.js';
import { createIstioHttpMetrics } from './istio-metrics.js';
import { createJwksCache } from './jwks-cache.js';
import { createBrainMetrics } from './metrics.js';
import type { PolicyState } from './policy-state.js';
import { createPolicyStore, type PolicyStore, type XdsResourceUpdate } from './policy-store.js';
import { createWorkloadIndex, type WorkloadIndex } from './workload-index.js';
import { createServiceResolver } from './service-resolver.js';

/** Where policies and workloads come from. `start` hands over the sinks; updates may arrive at any time after. */
export interface PolicySource {
  start(sink: PolicySink): void;
  close(): void;
}
export interface PolicySink {
  readonly typeUrls: readonly string[];
  /** Returns errors (NACK) or []. */
  apply(typeUrl: string, added: readonly XdsResourceUpdate[], removed: readonly string[]): string[];
  readonly workloads: WorkloadIndex;
}

export interface BrainConfig {
  /** `<ns>/<name>` of the waypoint Gateway. */
  readonly waypoint: string;
  /** gRPC target: `host:port` (port 0 = any free port) or `unix:/path`. */
  readonly grpcTarget: string;
  /** Host for /metrics and /healthz/ready. */
  readonly httpHost: string;
  /** Default 15020 / 15021; 0 = any free port. */
  readonly metricsPort?: number;
  readonly readinessPort?: number;
  /** Cluster id for source/destination_cluster labels; default `Kubernetes`. */
  readonly clusterId?: string;
  /** Envoy xff_num_trusted_hops equivalent for `remote.ip` / remoteIpBlocks; default 0. */
  readonly xffTrustedHops?: number;
}

export interface BrainDeps {
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly tracer?: Tracer;
  readonly policySource?: PolicySource;
  readonly fetchText?: (uri: string) => Promise<string>;
}

export interface Brain {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly ports: { grpc: number; metrics: number; readiness: number };
  readonly store: PolicyStore;
  readonly workloads: WorkloadIndex;
  readonly registry: Registry;
  readonly checkHandler: CheckHandler;
  ready(): boolean;
}

export function createBrain(config: BrainConfig, deps: BrainDeps): Brain {
  const logger = deps.logger.child({ component: 'brain', waypoint: config.waypoint });
  const registry = deps.registry ?? new Registry();
  const metrics = createBrainMetrics(registry);
  const jwks = createJwksCache({ logger, ...(deps.fetchText ? { fetchText: deps.fetchText } : {}) });
  let synced = deps.policySource === undefined;
  const onState = (s: PolicyState): void => {
    for (const p of s.problems) logger.warn('policy rule not enforceable; made fail-closed', { problem: p });
    void jwks.prefetch(s.allJwtRules());
    logger.info('policies updated', { version: s.version, policies: s.engine.policyCount });
  };
  const store = createPolicyStore(onState);
  const workloads = createWorkloadIndex();
  const resolveService = createServiceResolver(workloads);
  const checkHandler = createCheckHandler({
    store,
    jwks: (r) => jwks.lookup(r),
    metrics,
    logger,
    ...(deps.tracer ? { tracer: deps.tracer } : {}),
    resolveService,
    mapping: { xffTrustedHops: config.xffTrustedHops ?? 0 },
    synced: () => synced,
  });
  const grpcServer = createBrainGrpcServer({
    check: checkHandler,
    process: createProcessHandler({ store, metrics, logger, resolveService }) as never,
    streamAccessLogs: createAccessLogHandler({
      index: workloads,
      clusterId: config.clusterId ?? 'Kubernetes',
      metrics: createIstioHttpMetrics(registry),
      logger,
    }) as never,
  });
  const http = createBrainHttpServer(registry, () => synced);
  const ports = { grpc: 0, metrics: 0, readiness: 0 };
  return {
    ports,
    store,
    workloads,
    registry,
    checkHandler,
    ready: () => synced,
    async start() {
      ports.grpc = await grpcServer.listen(config.grpcTarget);
      ports.metrics = await http.listen(config.httpHost, config.metricsPort ?? 15020);
      ports.readiness = await http.listen(config.httpHost, config.readinessPort ?? 15021);
      // Ready once the policy type was answered (the server answers a first subscription even when empty): until
      // then an empty set would allow everything, so Check denies.
      const apply: PolicySink['apply'] = (typeUrl, added, removed) => {
        const errors = store.apply(typeUrl, added, removed);
        if (errors.length === 0 && typeUrl === BRAIN_TYPE_URLS.authorizationPolicy) synced = true;
        return errors;
      };
      deps.policySource?.start({ typeUrls: store.typeUrls, apply, workloads });
      logger.info('brain listening', { grpc: config.grpcTarget, ports });
    },
    async close() {
      deps.policySource?.close();
      await Promise.all([grpcServer.close(), http.close()]);
    },
  };
}

