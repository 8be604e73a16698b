/** What a protocol handler (SotW or Delta) needs from the server: the cache, instruments, and how to fail a stream. */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { XdsCache } from './cache.js';
import type { XdsMetrics } from './metrics.js';
import type { ResponseEncoder } from './wire.js';
import type { StreamRecord, TypeState } from './stream-state.js';
import type { PushGate } from './push-gate.js';

export interface StreamContext {
  readonly cache: XdsCache;
  readonly metrics: XdsMetrics;
  readonly encoder: ResponseEncoder;
  readonly logger: Logger;
  /** performance.now() of the oldest mesh update not yet pushed everywhere, for the latency histogram. */
  readonly updateStartedAt: () => number | undefined;
  /** Limits concurrent full-state Delta pushes. */
  readonly fullPushGate: PushGate;
}

/** A protocol handler bound to one stream. */
export interface ProtocolStream {
  readonly record: StreamRecord;
  handle(request: unknown): void;
  /** The mesh changed: send what this client is missing. */
  push(): void;
  /** The stream ended: give back anything it holds. */
  close(): void;
}

/** Ends a stream with a status naming the problem; the server stays up. */
export function failStream(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  logger: Logger,
  code: grpc.status,
  details: string,
): void {
  logger.warn('closing ADS stream', { code: grpc.status[code], details });
  call.emit('error', { code, details, metadata: new grpc.Metadata() });
}

/** Records an ACK or NACK for `nonce` on `state`. Returns false when the nonce was not sent for this type. */
export function recordReply(
  ctx: StreamContext,
  state: TypeState,
  nonce: string,
  errorDetail: { code?: number; message?: string } | null | undefined,
): boolean {
  const version = state.sentNonces.get(nonce);
  if (version === undefined) return false;
  const latest = state.status.kind !== 'awaiting-request' && state.status.nonce === nonce;
  if (errorDetail) {
    const message = errorDetail.message ?? '';
    state.lastNack = { nonce, version, message, code: errorDetail.code ?? 0, at: new Date().toISOString() };
    if (latest) state.status = { kind: 'nacked', nonce, version, message };
    ctx.metrics.nacks.inc({ type: state.typeUrl });
    ctx.logger.warn('xDS NACK', { typeUrl: state.typeUrl, nonce, version, message });
  } else {
    state.lastAckedVersion = version;
    if (latest) state.status = { kind: 'acked', nonce, version };
  }
  return true;
}

export function observePush(ctx: StreamContext, typeUrl: string): void {
  ctx.metrics.pushes.inc({ type: typeUrl });
  const started = ctx.updateStartedAt();
  if (started !== undefined) ctx.metrics.pushLatency.observe({ type: typeUrl }, (performance.now() - started) / 1000);
}
