/**
 * gRPC access-log service (envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs): turns the waypoint Envoy's
 * HTTP access-log entries into Istio's standard metrics off the request path. The peer identity and client address
 * arrive as request headers the waypoint logs (`additional_request_headers_to_log`: x-ambit-peer-principal,
 * x-ambit-peer-address, content-type); workloads and services are looked up in the WDS-fed index.
 */
import type * as grpc from '@grpc/grpc-js';
import { spiffeId } from '../../shared/constants.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { PEER_ADDRESS_HEADER, PEER_PRINCIPAL_HEADER } from './constants.js';
import type { IstioHttpLabels, IstioHttpMetrics } from './istio-metrics.js';
import type { ServiceInfo, WorkloadIndex, WorkloadInfo } from './workload-index.js';

interface Address {
  readonly socket_address?: { readonly address?: string; readonly port_value?: number };
}
interface Duration {
  readonly seconds?: number;
  readonly nanos?: number;
}
export interface HttpLogEntry {
  readonly common_properties?: {
    readonly downstream_remote_address?: Address;
    readonly downstream_local_address?: Address;
    readonly upstream_remote_address?: Address;
    readonly tls_properties?: { readonly peer_certificate_properties?: { readonly subject_alt_name?: readonly { readonly uri?: string }[] } };
    readonly response_flags?: Readonly<Record<string, unknown>>;
    readonly duration?: Duration;
    readonly time_to_last_downstream_tx_byte?: Duration;
  };
  readonly request?: {
    readonly authority?: string;
    readonly request_headers_bytes?: number;
    readonly request_body_bytes?: number;
    readonly request_headers?: Readonly<Record<string, string>>;
  };
  readonly response?: {
    readonly response_code?: { readonly value?: number };
    readonly response_headers_bytes?: number;
    readonly response_body_bytes?: number;
    readonly response_headers?: Readonly<Record<string, string>>;
    readonly response_trailers?: Readonly<Record<string, string>>;
  };
}
export interface StreamAccessLogsMessage {
  readonly http_logs?: { readonly log_entry?: readonly HttpLogEntry[] };
  readonly tcp_logs?: { readonly log_entry?: readonly unknown[] };
}

/** Envoy ResponseFlags fields → the short names Envoy prints (and Istio labels with). */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  failed_local_healthcheck: 'LH', no_healthy_upstream: 'UH', upstream_request_timeout: 'UT', local_reset: 'LR',
  upstream_remote_reset: 'UR', upstream_connection_failure: 'UF', upstream_connection_termination: 'UC',
  upstream_overflow: 'UO', no_route_found: 'NR', delay_injected: 'DI', fault_injected: 'FI', rate_limited: 'RL',
  unauthorized_details: 'UAEX', rate_limit_service_error: 'RLSE', downstream_connection_termination: 'DC',
  upstream_retry_limit_exceeded: 'URX', stream_idle_timeout: 'SI', invalid_envoy_request_headers: 'IH',
  downstream_protocol_error: 'DPE', upstream_max_stream_duration_reached: 'UMSDR', response_from_cache_filter: 'RFCF',
  no_filter_config_found: 'NFCF', duration_timeout: 'DT', upstream_protocol_error: 'UPE', no_cluster_found: 'NC',
  overload_manager: 'OM', dns_resolution_failure: 'DF', downstream_remote_reset: 'DR',
};

/** Set flags in Envoy's (proto field) order, comma-joined; `-` when none. */
export function responseFlags(flags: Readonly<Record<string, unknown>> | undefined): string {
  if (!flags) return '-';
  const set = Object.keys(FLAG_NAMES).filter((k) => flags[k] === true || (k === 'unauthorized_details' && flags[k]));
  return set.length === 0 ? '-' : set.map((k) => FLAG_NAMES[k]).join(',');
}

const ms = (d: Duration | undefined): number | undefined => (d ? (d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : undefined);
const u = (v: string | undefined): string => (v === undefined || v === '' ? 'unknown' : v);
function ipOf(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const v6 = /^\[([^\]]+)\]/.exec(v);
  if (v6) return v6[1];
  return v.split(':').length === 2 ? v.slice(0, v.indexOf(':')) : v;
}

export interface LabelContext {
  readonly index: WorkloadIndex;
  readonly clusterId: string;
}

function workloadPrincipal(w: WorkloadInfo | undefined): string | undefined {
  return w ? spiffeId(w.trustDomain, w.namespace, w.serviceAccount) : undefined;
}

/** Istio's label set for one HTTP entry (exported for unit tests). */
export function labelsFor(e: HttpLogEntry, ctx: LabelContext): IstioHttpLabels {
  const cp = e.common_properties ?? {};
  const reqHeaders = e.request?.request_headers ?? {};
  const sanUri = cp.tls_properties?.peer_certificate_properties?.subject_alt_name?.find((s) => s.uri)?.uri;
  const principal = reqHeaders[PEER_PRINCIPAL_HEADER] || sanUri;
  const srcIp = ipOf(reqHeaders[PEER_ADDRESS_HEADER]) ?? cp.downstream_remote_address?.socket_address?.address;
  const src = srcIp ? ctx.index.workloadByIp(srcIp) : undefined;
  const dstIp = cp.upstream_remote_address?.socket_address?.address;
  const dst = dstIp ? ctx.index.workloadByIp(dstIp) : undefined;
  const vip = cp.downstream_local_address?.socket_address?.address;
  const authority = e.request?.authority;
  const authorityIp = authority ? ipOf(authority) : undefined;
  const svc: ServiceInfo | undefined =
    (authority ? ctx.index.serviceByHost(authority) : undefined) ??
    (authorityIp ? ctx.index.serviceByVip(authorityIp) : undefined) ??
    (vip ? ctx.index.serviceByVip(vip) : undefined);
  const grpcStatus = e.response?.response_trailers?.['grpc-status'] ?? e.response?.response_headers?.['grpc-status'];
  const isGrpc = (reqHeaders['content-type'] ?? '').startsWith('application/grpc');
  return {
    reporter: 'waypoint',
    source_workload: u(src?.workloadName),
    source_workload_namespace: u(src?.namespace),
    source_principal: u(principal),
    source_app: u(src?.canonicalName),
    source_version: u(src?.canonicalRevision),
    source_canonical_service: u(src?.canonicalName),
    source_canonical_revision: src ? src.canonicalRevision || 'latest' : 'latest',
    source_cluster: src ? ctx.clusterId : 'unknown',
    destination_workload: u(dst?.workloadName),
    destination_workload_namespace: u(dst?.namespace),
    destination_principal: u(workloadPrincipal(dst)),
    destination_app: u(dst?.canonicalName),
    destination_version: u(dst?.canonicalRevision),
    destination_service: u(svc?.hostname ?? e.request?.authority?.replace(/:\d+$/, '')),
    destination_service_name: u(svc?.name),
    destination_service_namespace: u(svc?.namespace),
    destination_canonical_service: u(dst?.canonicalName),
    destination_canonical_revision: dst ? dst.canonicalRevision || 'latest' : 'latest',
    destination_cluster: dst ? ctx.clusterId : 'unknown',
    request_protocol: isGrpc ? 'grpc' : 'http',
    response_code: String(e.response?.response_code?.value ?? 0),
    grpc_response_status: grpcStatus ?? '',
    response_flags: responseFlags(cp.response_flags),
    connection_security_policy: principal ? 'mutual_tls' : 'unknown',
  };
}

export interface AccessLogDeps extends LabelContext {
  readonly metrics: IstioHttpMetrics;
  readonly logger: Logger;
}

export function recordEntry(e: HttpLogEntry, deps: AccessLogDeps): void {
  const labels = labelsFor(e, deps);
  const req = e.request ?? {};
  const res = e.response ?? {};
  deps.metrics.record(labels, {
    durationMs: ms(e.common_properties?.duration) ?? ms(e.common_properties?.time_to_last_downstream_tx_byte) ?? 0,
    requestBytes: (req.request_headers_bytes ?? 0) + (req.request_body_bytes ?? 0),
    responseBytes: (res.response_headers_bytes ?? 0) + (res.response_body_bytes ?? 0),
  });
}

export function createAccessLogHandler(deps: AccessLogDeps) {
  return (call: grpc.ServerReadableStream<StreamAccessLogsMessage, Record<string, never>>, done: grpc.sendUnaryData<Record<string, never>>): void => {
    call.on('data', (msg: StreamAccessLogsMessage) => {
      for (const e of msg.http_logs?.log_entry ?? []) {
        try {
          recordEntry(e, deps);
        } catch (err) {
          deps.logger.warn('access log entry not recorded', { error: err });
        }
      }
    });
    call.on('end', () => done(null, {}));
    call.on('error', () => undefined);
  };
}

