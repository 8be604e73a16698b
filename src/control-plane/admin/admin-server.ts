/**
 * Admin HTTP (Istio istiod :15014): readiness, Prometheus metrics and JSON debug views of the config (`/debug/config`,
 * `/debug/config-errors`) and mesh model (`/debug/workloads|services|policies|waypoints`).
 * Listens on 127.0.0.1 by default: debug views expose the whole mesh.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ConfigSnapshot } from '../../shared/model/objects.js';
import { formatConfigError } from '../../shared/model/objects.js';
import type { MeshSnapshot } from '../../shared/model/mesh.js';
import { policiesView, servicesView, waypointsView, workloadsView } from './debug-views.js';

/** An extra JSON route: GET `path` answers `handler(query)`. */
export interface AdminRoute {
  readonly path: string;
  readonly handler: (query: Readonly<Record<string, string>>) => unknown;
}

export interface AdminServerConfig {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 15014; 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Current config and mesh; undefined until the first load (readiness answers 503 until then). */
  readonly state: () => { readonly config?: ConfigSnapshot; readonly mesh?: MeshSnapshot };
  readonly routes?: readonly AdminRoute[];
  /**
   * Replaces the default `/debug/waypoints` view (the model only) — the composition passes one that adds Gateway and
   * HTTPRoute status conditions, which depend on xDS ACK state this module does not know.
   */
  readonly waypointsView?: (mesh: MeshSnapshot) => unknown;
}

export interface AdminServer {
  start(): Promise<void>;
  /** Bound port (after start). */
  port(): number;
  close(): Promise<void>;
}

function registerRoutes(app: FastifyInstance, config: AdminServerConfig): void {
  const { state, registry } = config;
  const withMesh = (view: (m: MeshSnapshot) => unknown) => async (_req: unknown, reply: { code(c: number): { send(b: unknown): unknown } }) => {
    const mesh = state().mesh;
    return mesh ? view(mesh) : reply.code(503).send({ error: 'mesh model not built yet' });
  };
  app.get('/healthz/ready', async (_req, reply) => (state().mesh ? reply.type('text/plain').send('ok') : reply.code(503).type('text/plain').send('config not loaded')));
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/debug/config-errors', async () => {
    const cfg = state().config;
    return {
      revision: cfg?.revision ?? 0,
      errors: (cfg?.errors ?? []).map((e) => ({ ...e, text: formatConfigError(e) })),
      notices: cfg?.notices ?? [],
    };
  });
  app.get('/debug/config', async () => {
    const cfg = state().config;
    const objects = [...(cfg?.objects ?? new Map()).entries()].map(([key, o]) => ({ key, source: o.origin.source, documentIndex: o.origin.documentIndex }));
    return { revision: cfg?.revision ?? 0, objects };
  });
  app.get('/debug/workloads', withMesh(workloadsView));
  app.get('/debug/services', withMesh(servicesView));
  app.get('/debug/policies', withMesh(policiesView));
  app.get('/debug/waypoints', withMesh(config.waypointsView ?? waypointsView));
  for (const r of config.routes ?? []) {
    app.get(r.path, async (req) => r.handler((req.query ?? {}) as Record<string, string>));
  }
}

export function createAdminServer(config: AdminServerConfig): AdminServer {
  const app = Fastify({ logger: false });
  registerRoutes(app, config);
  let boundPort = 0;
  return {
    async start() {
      await app.listen({ host: config.host ?? '127.0.0.1', port: config.port });
      const addr = app.server.address();
      boundPort = typeof addr === 'object' && addr ? addr.port : config.port;
    },
    port: () => boundPort,
    async close() {
      await app.close();
    },
  };
}
