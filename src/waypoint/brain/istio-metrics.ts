/**
 * Istio's standard HTTP metrics with the waypoint's label set (reporter="waypoint"; see Istio istio_stats), built on
 * an injected registry. Missing values are `unknown`, as Istio renders them.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export const ISTIO_HTTP_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

export type IstioHttpLabel = (typeof ISTIO_HTTP_LABELS)[number];
export type IstioHttpLabels = Record<IstioHttpLabel, string>;

/** Istio's default duration buckets (ms). */
const DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Istio's default size buckets (bytes): 1 … 1e9 in powers of ten. */
const BYTES_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

export interface IstioHttpMetrics {
  record(labels: IstioHttpLabels, sample: { durationMs: number; requestBytes: number; responseBytes: number }): void;
}

export function createIstioHttpMetrics(registry: Registry): IstioHttpMetrics {
  const labelNames = [...ISTIO_HTTP_LABELS];
  const registers = [registry];
  const requests = new Counter({ name: 'istio_requests_total', help: 'Requests handled by the waypoint', labelNames, registers });
  const duration = new Histogram({
    name: 'istio_request_duration_milliseconds',
    help: 'Request duration (ms)',
    labelNames,
    buckets: DURATION_BUCKETS_MS,
    registers,
  });
  const reqBytes = new Histogram({ name: 'istio_request_bytes', help: 'Request size (bytes)', labelNames, buckets: BYTES_BUCKETS, registers });
  const resBytes = new Histogram({ name: 'istio_response_bytes', help: 'Response size (bytes)', labelNames, buckets: BYTES_BUCKETS, registers });
  return {
    record(labels, s) {
      requests.inc(labels);
      duration.observe(labels, s.durationMs);
      reqBytes.observe(labels, s.requestBytes);
      resBytes.observe(labels, s.responseBytes);
    },
  };
}
