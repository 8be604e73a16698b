/**
 * Istio's TCP metrics as ztunnel reports them (istio-facts §8.3/§8.4), built on a registry passed in by the
 * composition root. `received` counts client→server bytes, `sent` server→client, for both reporters.
 */
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { ZService, ZWorkload } from './state/types.js';
import type { ResponseFlag } from './hbone/constants.js';
import type { DryRunVerdict } from './authz/evaluate.js';

const require = createRequire(import.meta.url);

/**
 * prom-client's Registry and Counter, loaded from their own files: the package index also loads Gauge, Histogram,
 * Summary, the Pushgateway client, the cluster aggregator and the default collectors, which cost a ztunnel ~6.5 MB
 * of RSS and are never used. They are the same classes the index exports (test/ztunnel/metrics-classes.test.ts).
 */
export const Registry = require('prom-client/lib/registry.js') as typeof Prom.Registry;
export type Registry = Prom.Registry;
export const Counter = require('prom-client/lib/counter.js') as typeof Prom.Counter;
export type Counter<T extends string = string> = Prom.Counter<T>;

export const TRAFFIC_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_service',
  'destination_service_namespace',
  'destination_service_name',
  'destination_workload',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_cluster',
  'request_protocol',
  'response_flags',
  'connection_security_policy',
] as const;

export type TrafficLabelName = (typeof TRAFFIC_LABELS)[number];
export type TrafficLabels = Record<TrafficLabelName, string>;

export interface ZtunnelMetrics {
  readonly opened: Counter<TrafficLabelName>;
  readonly closed: Counter<TrafficLabelName>;
  readonly failed: Counter<TrafficLabelName>;
  readonly sentBytes: Counter<TrafficLabelName>;
  readonly receivedBytes: Counter<TrafficLabelName>;
  /** HBONE server responses by status code (ours; Istio counts them only via response_flags). */
  readonly hboneResponses: Counter<'code'>;
  /** SOCKS5 handshakes refused, by reply code. */
  readonly socksRejections: Counter<'reply'>;
  /** Per dry-run policy verdicts, one per inbound connection it applied to; same name and labels as the waypoint brain's. */
  readonly dryRunDecisions: Counter<'policy' | 'namespace' | 'result'>;
  /** Open connections whose byte counts are added to `sentBytes`/`receivedBytes` whenever those are read. */
  readonly openTrackers: Set<{ flush(): void }>;
}

export function createZtunnelMetrics(registry: Registry): ZtunnelMetrics {
  const openTrackers = new Set<{ flush(): void }>();
  const flushOpen = (): void => openTrackers.forEach((t) => t.flush());
  const counter = (name: string, help: string, collect?: () => void): Counter<TrafficLabelName> =>
    new Counter({ name, help, labelNames: TRAFFIC_LABELS, registers: [registry], ...(collect ? { collect } : {}) });
  return {
    openTrackers,
    opened: counter('istio_tcp_connections_opened_total', 'The total number of TCP connections opened'),
    closed: counter('istio_tcp_connections_closed_total', 'The total number of TCP connections closed'),
    failed: counter('istio_tcp_connections_failed_total', 'The total number of TCP connections that failed to establish'),
    sentBytes: counter('istio_tcp_sent_bytes_total', 'The size of total bytes sent during response in case of a TCP connection', flushOpen),
    receivedBytes: counter('istio_tcp_received_bytes_total', 'The size of total bytes received during request in case of a TCP connection', flushOpen),
    hboneResponses: new Counter({ name: 'ambit_ztunnel_hbone_responses_total', help: 'HBONE CONNECT responses sent, by HTTP status', labelNames: ['code'], registers: [registry] }),
    socksRejections: new Counter({ name: 'ambit_ztunnel_socks5_rejections_total', help: 'SOCKS5 requests refused, by reply code', labelNames: ['reply'], registers: [registry] }),
    dryRunDecisions: new Counter({
      name: 'ambit_authz_dry_run_decisions_total',
      help: 'Decisions dry-run (istio.io/dry-run) policies would have made; never enforced',
      labelNames: ['policy', 'namespace', 'result'],
      registers: [registry],
    }),
  };
}

export interface LabelInput {
  readonly reporter: 'source' | 'destination';
  readonly source?: ZWorkload;
  /** mTLS peer identity (inbound) or the source workload's identity (outbound). */
  readonly sourcePrincipal?: string;
  readonly destination?: ZWorkload;
  readonly destinationService?: ZService;
  readonly destinationPrincipal?: string;
  readonly mtls: boolean;
  readonly flag: ResponseFlag;
}

const u = (v: string | undefined): string => (v === undefined || v === '' ? 'unknown' : v);

/** Counts the dry-run verdicts of one inbound connection's authorization. */
export function countDryRun(metrics: ZtunnelMetrics, verdicts: readonly DryRunVerdict[] | undefined): void {
  for (const v of verdicts ?? []) metrics.dryRunDecisions.inc({ policy: v.policy.name, namespace: v.policy.namespace, result: v.result });
}

export function trafficLabels(i: LabelInput): TrafficLabels {
  const s = i.source;
  const d = i.destination;
  return {
    reporter: i.reporter,
    source_workload: u(s?.workloadName || s?.name),
    source_canonical_service: u(s?.canonicalName),
    source_canonical_revision: u(s?.canonicalRevision),
    source_workload_namespace: u(s?.namespace),
    source_principal: u(i.sourcePrincipal),
    source_app: u(s?.canonicalName),
    source_version: u(s?.canonicalRevision),
    source_cluster: u(s?.clusterId),
    destination_service: u(i.destinationService?.hostname),
    destination_service_namespace: u(i.destinationService?.namespace),
    destination_service_name: u(i.destinationService?.name),
    destination_workload: u(d?.workloadName || d?.name),
    destination_canonical_service: u(d?.canonicalName),
    destination_canonical_revision: u(d?.canonicalRevision),
    destination_workload_namespace: u(d?.namespace),
    destination_principal: u(i.destinationPrincipal),
    destination_app: u(d?.canonicalName),
    destination_version: u(d?.canonicalRevision),
    destination_cluster: u(d?.clusterId),
    request_protocol: 'tcp',
    response_flags: i.flag,
    connection_security_policy: i.mtls ? 'mutual_tls' : 'unknown',
  };
}
