/**
 * The ADS server: `envoy.service.discovery.v3.AggregatedDiscoveryService` (SotW + Delta) from Envoy's own descriptors,
 * mesh updates debounced (`debounceMs`, default 100) and pushed incrementally through the cache, `/debug/xds` data.
 */
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { MeshSnapshot } from '../../shared/model/mesh.js';
import { loadGrpcPackage } from '../../shared/proto/load.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { createXdsCache } from './cache.js';
import type { XdsAuthenticate, XdsCaller } from './client-info.js';
import { createDeltaStream } from './delta-stream.js';
import type { ResourceGenerator } from './generator.js';
import { createXdsMetrics } from './metrics.js';
import { createSotwStream } from './sotw-stream.js';
import { failStream, type ProtocolStream, type StreamContext } from './stream-context.js';
import { debugView, type StreamRecord } from './stream-state.js';
import { createResponseEncoder } from './wire.js';
import { createPushGate } from './push-gate.js';

export interface XdsServerConfig {
  readonly generators: readonly ResourceGenerator[];
  /** Default authentication for streams (per-port override in `register`). */
  readonly authenticate: XdsAuthenticate;
  /**
   * Debounce window: the first mesh update starts it, updates inside it replace each other, the last one is pushed
   * when it closes (so a burst costs one push and no update waits longer than the window). Default 100 ms.
   */
  readonly debounceMs?: number;
  /** Full-state Delta pushes being written at once (a slot frees when HTTP/2 has taken the bytes). Default 10. */
  readonly maxConcurrentFullPushes?: number;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface XdsServer {
  /** Adds the ADS service to `server`; `opts.authenticate` overrides the default (e.g. local-debug on 15010). */
  register(server: grpc.Server, opts?: { readonly authenticate?: XdsAuthenticate }): void;
  /** New mesh model; pushed after the debounce period. */
  update(mesh: MeshSnapshot): void;
  /** Connected clients and their per-type protocol state, for `/debug/xds`. */
  debug(): unknown;
  close(): void;
}

const ADS_PROTO = 'envoy/service/discovery/v3/ads.proto';

/** The ADS service definition with response serializers that pass pre-encoded Buffers through (see wire.ts). */
function adsService(): grpc.ServiceDefinition {
  const pkg = loadGrpcPackage([ADS_PROTO]) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: { service: grpc.ServiceDefinition } } } } };
  };
  const base = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, def] of Object.entries(base)) {
    const serialize = def.responseSerialize;
    out[name] = { ...def, responseSerialize: (v: unknown) => (Buffer.isBuffer(v) ? v : serialize(v)) };
  }
  return out;
}

export function createXdsServer(config: XdsServerConfig): XdsServer {
  const logger = config.logger.child({ component: 'xds' });
  const debounceMs = config.debounceMs ?? 100;
  const cache = createXdsCache(config.generators);
  const metrics = createXdsMetrics(config.registry);
  /** Open streams and their calls (to end them on close). */
  const streams = new Map<ProtocolStream, grpc.ServerDuplexStream<unknown, unknown>>();
  const service = adsService();
  let nextStreamId = 1;
  let pending: MeshSnapshot | undefined;
  let timer: NodeJS.Timeout | undefined;
  let updateStartedAt: number | undefined;
  let closed = false;

  const ctx: StreamContext = {
    cache,
    metrics,
    encoder: createResponseEncoder(),
    logger,
    updateStartedAt: () => updateStartedAt,
    fullPushGate: createPushGate(config.maxConcurrentFullPushes ?? 10),
  };

  const flush = (): void => {
    timer = undefined;
    if (!pending || closed) return;
    cache.setMesh(pending);
    pending = undefined;
    for (const s of streams.keys()) {
      try {
        s.push();
      } catch (err) {
        logger.error('push failed', { stream: s.record.id, err });
      }
    }
    updateStartedAt = undefined;
  };

  const serve =
    (protocol: 'sotw' | 'delta', authenticate: XdsAuthenticate) =>
    (call: grpc.ServerDuplexStream<unknown, unknown>): void => {
      void openStream(protocol, authenticate, call);
    };

  const openStream = async (protocol: 'sotw' | 'delta', authenticate: XdsAuthenticate, call: grpc.ServerDuplexStream<unknown, unknown>): Promise<void> => {
    const early: unknown[] = [];
    const buffer = (m: unknown): void => void early.push(m);
    call.on('data', buffer);
    let caller: XdsCaller | { readonly error: string };
    try {
      caller = await authenticate(call.metadata, call);
    } catch (err) {
      caller = { error: `authentication failed: ${(err as Error).message}` };
    }
    if ('error' in caller) return failStream(call, logger, grpc.status.UNAUTHENTICATED, caller.error);
    if (closed || call.cancelled) return;
    const record: StreamRecord = { id: nextStreamId++, protocol, caller, connectedAt: new Date().toISOString(), types: new Map() };
    const stream = (protocol === 'delta' ? createDeltaStream : createSotwStream)(call, record, ctx);
    streams.set(stream, call);
    metrics.connectedClients.set(streams.size);
    const handle = (m: unknown): void => {
      try {
        stream.handle(m);
      } catch (err) {
        logger.error('ADS request failed', { stream: record.id, err });
        failStream(call, logger, grpc.status.INTERNAL, `internal error handling request: ${(err as Error).message}`);
      }
    };
    const done = (): void => {
      if (!streams.delete(stream)) return;
      stream.close();
      metrics.connectedClients.set(streams.size);
    };
    call.off('data', buffer);
    call.on('data', handle);
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('cancelled', done);
    call.on('error', done);
    call.on('close', done);
    for (const m of early) handle(m);
  };

  return {
    register(server, opts) {
      const authenticate = opts?.authenticate ?? config.authenticate;
      server.addService(service, {
        StreamAggregatedResources: serve('sotw', authenticate),
        DeltaAggregatedResources: serve('delta', authenticate),
      });
    },
    update(mesh) {
      if (closed) return;
      pending = mesh;
      updateStartedAt ??= performance.now();
      if (debounceMs <= 0) return flush();
      timer ??= setTimeout(flush, debounceMs);
    },
    debug() {
      const mesh = cache.current();
      return { meshVersion: mesh?.version ?? null, pushVersion: cache.version(), clients: [...streams.keys()].map((s) => debugView(s.record)) };
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const [s, call] of [...streams]) {
        streams.delete(s);
        s.close();
        failStream(call, logger, grpc.status.UNAVAILABLE, 'xDS server is shutting down');
      }
      metrics.connectedClients.set(0);
    },
  };
}
