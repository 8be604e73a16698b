/**
 * The control plane's composition: config source → buildMesh on every change → mesh subscribers (xDS, CA), metrics,
 * admin HTTP, and the gRPC listeners (TLS, Istio's :15012, and loopback plaintext, :15010). What is served on the
 * gRPC listeners is injected as `grpcServices` hooks (CA, xDS) so this module depends on neither.
 */
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { ConfigSnapshot, ConfigSource } from '../shared/model/objects.js';
import { formatConfigError } from '../shared/model/objects.js';
import type { MeshOptions, MeshSnapshot } from '../shared/model/mesh.js';
import { buildMesh } from '../shared/model/build-mesh.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { createAdminServer, type AdminRoute } from './admin/admin-server.js';
import { createControlPlaneMetrics, type ControlPlaneMetrics } from './metrics.js';

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port; the bound one is in `ports()`. */
  readonly port: number;
}

export interface ControlPlaneConfig {
  readonly meshOptions: MeshOptions;
  /** Admin HTTP; Istio's :15014 on 127.0.0.1 by default in the CLI. */
  readonly admin: ListenAddress;
  /** TLS gRPC (xDS + CA); served only when `deps.tlsCredentials` is given. */
  readonly grpcTls?: ListenAddress;
  /** Plaintext gRPC for local debugging; keep it on loopback. */
  readonly grpcPlaintext?: ListenAddress;
}

/** What a gRPC service hook gets: which listener it is adding to, and the shared state. */
export interface GrpcHookContext {
  readonly listener: 'tls' | 'plaintext';
  readonly mesh: () => MeshSnapshot;
  readonly onMesh: (listener: (mesh: MeshSnapshot) => void) => () => void;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
}

export type GrpcServiceHook = (server: grpc.Server, ctx: GrpcHookContext) => void;

export interface ControlPlaneDeps {
  readonly source: ConfigSource;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tlsCredentials?: grpc.ServerCredentials;
  readonly grpcServices?: readonly GrpcServiceHook[];
  /** Extra admin JSON routes (e.g. `/debug/xds`). */
  readonly adminRoutes?: readonly AdminRoute[];
  /** Replaces the model-only `/debug/waypoints` view (e.g. to add status conditions). */
  readonly waypointsView?: (mesh: MeshSnapshot) => unknown;
}

export interface ControlPlanePorts {
  readonly admin: number;
  readonly grpcTls?: number;
  readonly grpcPlaintext?: number;
}

export interface ControlPlane {
  /** Binds the admin server, loads the config (first mesh), then binds the gRPC listeners. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Current mesh; throws before start() completed. */
  mesh(): MeshSnapshot;
  config(): ConfigSnapshot | undefined;
  /** Called with every new mesh; returns an unsubscribe function. */
  onMesh(listener: (mesh: MeshSnapshot) => void): () => void;
  ports(): ControlPlanePorts;
  readonly metrics: ControlPlaneMetrics;
}

function bindGrpc(server: grpc.Server, addr: ListenAddress, creds: grpc.ServerCredentials): Promise<number> {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${addr.port}`, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 2000);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function createControlPlane(config: ControlPlaneConfig, deps: ControlPlaneDeps): ControlPlane {
  const logger = deps.logger.child({ component: 'control-plane' });
  const metrics = createControlPlaneMetrics(deps.registry);
  const listeners = new Set<(mesh: MeshSnapshot) => void>();
  let configSnapshot: ConfigSnapshot | undefined;
  let meshSnapshot: MeshSnapshot | undefined;
  const servers: grpc.Server[] = [];
  const bound: { grpcTls?: number; grpcPlaintext?: number } = {};

  const admin = createAdminServer({
    host: config.admin.host,
    port: config.admin.port,
    registry: deps.registry,
    state: () => ({ ...(configSnapshot ? { config: configSnapshot } : {}), ...(meshSnapshot ? { mesh: meshSnapshot } : {}) }),
    ...(deps.adminRoutes ? { routes: deps.adminRoutes } : {}),
    ...(deps.waypointsView ? { waypointsView: deps.waypointsView } : {}),
  });

  const mesh = (): MeshSnapshot => {
    if (!meshSnapshot) throw new Error('control plane: mesh model requested before the first config load');
    return meshSnapshot;
  };
  const onMesh = (l: (m: MeshSnapshot) => void): (() => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };

  function apply(snapshot: ConfigSnapshot): void {
    const known = new Set(configSnapshot?.errors.map(formatConfigError));
    for (const e of snapshot.errors) {
      const text = formatConfigError(e);
      if (!known.has(text)) logger.warn('config rejected', { error: text });
    }
    for (const n of snapshot.notices) if (!configSnapshot?.notices.includes(n)) logger.info('config notice', { notice: n });
    configSnapshot = snapshot;
    metrics.observeConfig(snapshot);
    let next: MeshSnapshot;
    try {
      const started = performance.now();
      next = buildMesh(snapshot, config.meshOptions, meshSnapshot);
      logger.debug('mesh built', { version: next.version, workloads: next.workloads.size, ms: Math.round(performance.now() - started) });
    } catch (err) {
      logger.error('mesh build failed; keeping the previous model', { revision: snapshot.revision, err });
      return;
    }
    meshSnapshot = next;
    for (const l of listeners) {
      try {
        l(next);
      } catch (err) {
        logger.error('mesh listener failed', { err });
      }
    }
  }

  async function startGrpc(listener: 'tls' | 'plaintext', addr: ListenAddress, creds: grpc.ServerCredentials): Promise<number> {
    const server = new grpc.Server();
    const ctx: GrpcHookContext = { listener, mesh, onMesh, metrics, logger: deps.logger };
    for (const hook of deps.grpcServices ?? []) hook(server, ctx);
    servers.push(server);
    return bindGrpc(server, addr, creds);
  }

  async function close(): Promise<void> {
    listeners.clear();
    await deps.source.close();
    await Promise.all(servers.map(shutdownGrpc));
    await admin.close();
  }

  return {
    metrics,
    mesh,
    onMesh,
    config: () => configSnapshot,
    ports: () => ({ admin: admin.port(), ...bound }),
    async start() {
      try {
        await admin.start();
        apply(await deps.source.start(apply));
        if (config.grpcTls && deps.tlsCredentials) bound.grpcTls = await startGrpc('tls', config.grpcTls, deps.tlsCredentials);
        if (config.grpcPlaintext) bound.grpcPlaintext = await startGrpc('plaintext', config.grpcPlaintext, grpc.ServerCredentials.createInsecure());
      } catch (err) {
        // Release whatever did bind (e.g. admin up, gRPC port taken) so a failed start leaves nothing running.
        await close();
        throw err;
      }
      logger.info('control plane started', { ports: { admin: admin.port(), ...bound }, meshVersion: meshSnapshot?.version });
    },
    close,
  };
}
