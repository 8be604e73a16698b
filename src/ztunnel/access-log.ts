/**
 * One JSON access-log line per proxied connection (Istio ztunnel's "connection complete" event), plus the metrics
 * bookkeeping that goes with a connection's life: opened at start, bytes as they flow, closed (or failed) at the end.
 */
import type { Logger } from '../shared/telemetry/logger.js';
import type { ResponseFlag } from './hbone/constants.js';
import { trafficLabels, type LabelInput, type ZtunnelMetrics } from './metrics.js';

const FLUSH_BYTES = 1024 * 1024;
const FLUSH_INTERVAL_MS = 1000;

export interface ConnectionRecord {
  readonly direction: 'outbound' | 'inbound';
  readonly sourceAddr: string;
  readonly destinationAddr: string;
  /** Where the HBONE tunnel went (node ztunnel or waypoint), when there is one. */
  readonly hboneAddr?: string;
  /** W3C traceparent of the HBONE CONNECT (connection tracing, as Istio's ztunnel logs it). */
  readonly traceparent?: string;
  readonly labels: Omit<LabelInput, 'flag'>;
}

export interface ConnectionOutcome {
  readonly flag: ResponseFlag;
  /** Authorization decision: `allow` / `deny` and the policy that decided (inbound). */
  readonly policy?: { readonly decision: 'allow' | 'deny'; readonly name?: string; readonly reason?: string };
  readonly error?: string;
  readonly status?: number;
}

export interface ConnectionTracker {
  /** Client→server bytes. */
  received(n: number): void;
  /** Server→client bytes. */
  sent(n: number): void;
  /** Logs and counts the end of the connection; `established` false counts a failed connection. */
  finish(outcome: ConnectionOutcome, established: boolean): void;
}

export function trackConnection(rec: ConnectionRecord, deps: { metrics: ZtunnelMetrics; accessLog: Logger }): ConnectionTracker {
  const start = Date.now();
  const labels = trafficLabels({ ...rec.labels, flag: '-' });
  deps.metrics.opened.inc(labels);
  const sentChild = deps.metrics.sentBytes.labels(labels);
  const recvChild = deps.metrics.receivedBytes.labels(labels);
  let bytesSent = 0;
  let bytesReceived = 0;
  // Byte counters are flushed every MiB or second, not per chunk: a labelled prom-client increment hashes all
  // 23 labels and cost ~10 % of a busy relay.
  let unflushedSent = 0;
  let unflushedReceived = 0;
  let lastFlush = Date.now();
  const flush = (): void => {
    if (unflushedSent > 0) sentChild.inc(unflushedSent);
    if (unflushedReceived > 0) recvChild.inc(unflushedReceived);
    unflushedSent = 0;
    unflushedReceived = 0;
    lastFlush = Date.now();
  };
  const maybeFlush = (): void => {
    if (unflushedSent + unflushedReceived >= FLUSH_BYTES || Date.now() - lastFlush >= FLUSH_INTERVAL_MS) flush();
  };
  let done = false;
  return {
    received(n) {
      bytesReceived += n;
      unflushedReceived += n;
      maybeFlush();
    },
    sent(n) {
      bytesSent += n;
      unflushedSent += n;
      maybeFlush();
    },
    finish(outcome, established) {
      if (done) return;
      done = true;
      flush();
      const final = trafficLabels({ ...rec.labels, flag: outcome.flag });
      deps.metrics.closed.inc(final);
      if (!established) deps.metrics.failed.inc(final);
      const l = rec.labels;
      deps.accessLog.info(outcome.error && outcome.flag !== 'DENY' ? 'connection failed' : 'connection complete', {
        direction: l.reporter === 'source' ? 'outbound' : 'inbound',
        'src.addr': rec.sourceAddr,
        'src.workload': l.source?.name,
        'src.namespace': l.source?.namespace,
        'src.identity': l.sourcePrincipal,
        'dst.addr': rec.destinationAddr,
        'dst.hbone_addr': rec.hboneAddr,
        'dst.service': l.destinationService?.hostname,
        'dst.workload': l.destination?.name,
        'dst.namespace': l.destination?.namespace,
        'dst.identity': l.destinationPrincipal,
        ...(rec.traceparent ? { traceparent: rec.traceparent } : {}),
        bytes_sent: bytesSent,
        bytes_recv: bytesReceived,
        duration_ms: Date.now() - start,
        response_flags: outcome.flag,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.policy ? { 'authz.decision': outcome.policy.decision, 'authz.policy': outcome.policy.name ?? null, ...(outcome.policy.reason ? { 'authz.reason': outcome.policy.reason } : {}) } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      });
    },
  };
}
