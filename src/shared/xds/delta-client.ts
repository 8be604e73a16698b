/**
 * Delta ADS client (what Istio's ztunnel does against istiod): one DeltaAggregatedResources stream, a wildcard
 * subscription per type URL, ACK/NACK per response, reconnect with exponential backoff (reset only by a stream that
 * stayed up, see STABLE_STREAM_MS) sending `initial_resource_versions` for everything it holds so the server skips
 * unchanged resources.
 */
import type { Logger } from '../telemetry/logger.js';
import { deltaAdsMethod } from './ads-messages.js';
import { createGrpcChannel, GRPC_STATUS, grpcStatusName, type GrpcCall, type GrpcCallError, type GrpcChannel } from './grpc-h2.js';
import { jsonToStruct } from './struct.js';
import { DEFAULT_CLUSTER_ID } from '../constants.js';

export interface DeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource: { readonly type_url: string; readonly value: Buffer };
  readonly aliases?: readonly string[];
}

export interface DeltaClientConfig {
  /** `host:port` of the control plane (15012 with TLS, 15010 plaintext on loopback). */
  readonly address: string;
  /** TLS with these roots; omitted = plaintext. `servername` overrides the name checked in the server certificate. */
  readonly tls?: { readonly rootsPem: readonly string[]; readonly servername?: string };
  /**
   * Sent as `authorization: Bearer <token>`. A function is called at every (re)connect, so a token file rotated
   * while the client runs (the control plane re-reads its token files) is picked up by the next stream.
   */
  readonly token?: string | (() => string);
  /** Sent as `clusterid` metadata on the stream, as Istio's ztunnel does (istiod reads it with the token). Default `Kubernetes`. */
  readonly clusterId?: string;
  readonly node: { readonly id: string; readonly metadata?: Record<string, unknown> };
  readonly typeUrls: readonly string[];
  /**
   * Apply a response. Return a {@link DeltaApplyResult} naming what did not take effect, or, for a handler that applies
   * a response all or nothing, just its errors (non-empty = nothing in the response took effect). Any error NACKs.
   */
  readonly onResources: (typeUrl: string, added: DeltaResource[], removed: string[]) => DeltaApplyResult | readonly string[];
  readonly onConnectionChange?: (connected: boolean) => void;
  readonly logger: Logger;
  /** First reconnect delay; doubles at each reconnect up to 30 s. Default 500 ms. */
  readonly backoffMs?: number;
  /**
   * How long a stream must stay open after its first response for the next reconnect to start again from
   * `backoffMs`. Default 30 s.
   */
  readonly stableStreamMs?: number;
}

/**
 * What a handler made of one response (Istio's ztunnel: invalid resources are rejected and listed in the NACK, the
 * others still apply). The client records the version of every resource that took effect, so that after a reconnect
 * its `initial_resource_versions` name exactly what it holds and the server sends removals for all of it.
 */
export interface DeltaApplyResult {
  /** Rejection messages; non-empty → NACK with them joined by `; `. */
  readonly errors: readonly string[];
  /**
   * Names from `added` or `removed` that did not take effect: the client keeps the version it held before for them
   * (none for a new resource). Everything else in the response is recorded as applied.
   */
  readonly rejected: readonly string[];
}

export interface DeltaClient {
  start(): void;
  close(): void;
}

const MAX_BACKOFF_MS = 30_000;
/**
 * Backoff rule: the delay doubles at every reconnect and only returns to the base once a stream proved healthy by
 * answering and then staying open this long. Resetting on any response would let a control plane that answers once
 * and then drops the stream (overloaded, rejecting us after the first push, crashing on our ACK) be redialled every
 * `backoffMs` forever, each time costing it a full push.
 */
const STABLE_STREAM_MS = 30_000;
/** ztunnel accepts messages up to 200 MiB. */
const MAX_MESSAGE_BYTES = 200 * 1024 * 1024;
const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

interface DeltaResponse {
  readonly type_url?: string;
  readonly nonce?: string;
  readonly resources?: DeltaResource[];
  readonly removed_resources?: string[];
}

type AdsStream = GrpcCall<object, DeltaResponse>;

function makeChannel(config: DeltaClientConfig): GrpcChannel {
  return createGrpcChannel({
    address: config.address,
    ...(config.tls ? { tls: { rootsPem: config.tls.rootsPem.join('\n'), ...(config.tls.servername ? { servername: config.tls.servername } : {}) } } : {}),
    maxReceiveMessageBytes: MAX_MESSAGE_BYTES,
    // A large HTTP/2 receive window: a full push of ten thousand workloads is several MiB in one message.
    windowBytes: FLOW_CONTROL_WINDOW_BYTES,
  });
}

/** A handler's answer in one shape: the errors to NACK with and the names whose held version must not change. */
function runHandler(config: DeltaClientConfig, typeUrl: string, added: DeltaResource[], removed: string[]): { errors: readonly string[]; rejected: ReadonlySet<string> } {
  // Nothing known to have applied: keeping the old versions is the safe side. Claiming a resource we lack would
  // make the server skip it on reconnect; claiming one we dropped only costs a redundant removal.
  const nothingApplied = (errors: readonly string[]) => ({ errors, rejected: new Set([...added.map((r) => r.name), ...removed]) });
  let out: DeltaApplyResult | readonly string[];
  try {
    out = config.onResources(typeUrl, added, removed);
  } catch (err) {
    return nothingApplied([`handler failed: ${(err as Error).message}`]);
  }
  if (isApplyResult(out)) {
    const rejected = new Set(out.rejected);
    // A rejection without a message would otherwise be ACKed.
    const errors = out.errors.length === 0 && rejected.size > 0 ? [`rejected: ${[...rejected].join(', ')}`] : out.errors;
    return { errors, rejected };
  }
  return out.length === 0 ? { errors: out, rejected: new Set() } : nothingApplied(out);
}

function isApplyResult(out: DeltaApplyResult | readonly string[]): out is DeltaApplyResult {
  return !Array.isArray(out);
}

/** Updates the held versions with what took effect; `rejected` names keep whatever version they had. */
function recordApplied(versions: Map<string, string>, added: readonly DeltaResource[], removed: readonly string[], rejected: ReadonlySet<string>): void {
  for (const name of removed) if (!rejected.has(name)) versions.delete(name);
  for (const r of added) if (!rejected.has(r.name)) versions.set(r.name, r.version);
}

export function createDeltaClient(config: DeltaClientConfig): DeltaClient {
  const logger = config.logger.child({ component: 'xds-client', address: config.address });
  const baseBackoff = config.backoffMs ?? 500;
  const stableStreamMs = config.stableStreamMs ?? STABLE_STREAM_MS;
  const held = new Map<string, Map<string, string>>(config.typeUrls.map((t) => [t, new Map()]));
  let channel: GrpcChannel | undefined;
  let stream: AdsStream | undefined;
  let connected = false;
  let closed = false;
  let backoff = baseBackoff;
  let retry: NodeJS.Timeout | undefined;

  const setConnected = (c: boolean): void => {
    if (c === connected) return;
    connected = c;
    config.onConnectionChange?.(c);
  };

  const onResponse = (s: AdsStream, res: DeltaResponse): void => {
    const typeUrl = res.type_url ?? '';
    const versions = held.get(typeUrl);
    setConnected(true);
    if (!versions) {
      s.write({ type_url: typeUrl, response_nonce: res.nonce, error_detail: { code: GRPC_STATUS.INVALID_ARGUMENT, message: `not subscribed to ${typeUrl}` } });
      return;
    }
    const added = res.resources ?? [];
    const removed = res.removed_resources ?? [];
    const result = runHandler(config, typeUrl, added, removed);
    recordApplied(versions, added, removed, result.rejected);
    if (result.errors.length === 0) {
      s.write({ type_url: typeUrl, response_nonce: res.nonce });
    } else {
      logger.warn('rejecting xDS response', { typeUrl, nonce: res.nonce, errors: result.errors, rejected: result.rejected.size });
      s.write({ type_url: typeUrl, response_nonce: res.nonce, error_detail: { code: GRPC_STATUS.INVALID_ARGUMENT, message: result.errors.join('; ') } });
    }
  };

  const scheduleReconnect = (reason: string): void => {
    setConnected(false);
    if (closed || retry) return;
    // Up to 25 % added at random: ztunnels that lost the same control plane do not all redial in the same instant.
    const delay = Math.round(backoff * (1 + Math.random() / 4));
    logger.info('ADS stream ended; reconnecting', { reason, inMs: delay });
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, delay);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  const connect = (): void => {
    if (closed) return;
    channel ??= makeChannel(config);
    let token: string | undefined;
    try {
      token = typeof config.token === 'function' ? config.token() : config.token;
    } catch (err) {
      // A token that cannot be read now may be readable on the next attempt: a failed attempt, not a crash.
      scheduleReconnect(`cannot read the bearer token: ${(err as Error).message}`);
      return;
    }
    const metadata = { clusterid: config.clusterId ?? DEFAULT_CLUSTER_ID, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const s = channel.call(deltaAdsMethod<object, DeltaResponse>(), { metadata });
    stream = s;
    let firstResponseAt: number | undefined;
    const ended = (reason: string): void => {
      if (stream !== s) return;
      if (firstResponseAt !== undefined && performance.now() - firstResponseAt >= stableStreamMs) backoff = baseBackoff;
      scheduleReconnect(reason);
    };
    s.on('data', (res: DeltaResponse) => {
      firstResponseAt ??= performance.now();
      onResponse(s, res);
    });
    s.on('error', (err: GrpcCallError) => ended(`${grpcStatusName(err.code)}: ${err.details}`));
    s.on('end', () => ended('server closed the stream'));
    const node = { id: config.node.id, metadata: jsonToStruct(config.node.metadata ?? {}) };
    config.typeUrls.forEach((typeUrl, i) => {
      const initial = Object.fromEntries(held.get(typeUrl) ?? []);
      s.write({ ...(i === 0 ? { node } : {}), type_url: typeUrl, resource_names_subscribe: [], initial_resource_versions: initial });
    });
  };

  return {
    start() {
      connect();
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const s = stream;
      stream = undefined;
      s?.cancel();
      channel?.close();
      setConnected(false);
    },
  };
}
