/**
 * Protocol constants shared by every Ambit component. Values match Istio ambient (see docs/architecture.md for the
 * reason behind each port).
 */

/** Well-known ports. */
export const PORTS = {
  /** Control plane: xDS + CA over TLS (Istio istiod :15012). */
  xdsTls: 15012,
  /** Control plane: plaintext xDS for local debugging, bound to 127.0.0.1 only (Istio istiod :15010). */
  xdsPlaintext: 15010,
  /** Control plane: admin/metrics/debug HTTP (Istio istiod :15014). */
  controlPlaneAdmin: 15014,
  /** ztunnel / waypoint: HBONE (HTTP/2 CONNECT over mTLS). */
  hbone: 15008,
  /** ztunnel: outbound transparent capture. */
  outboundCapture: 15001,
  /** ztunnel: inbound plaintext capture (no identity). */
  inboundPlaintext: 15006,
  /** ztunnel: SOCKS5 outbound. */
  socks5: 15080,
  /** ztunnel / envoy: admin (localhost). */
  admin: 15000,
  /** ztunnel / waypoint: Prometheus metrics. */
  metrics: 15020,
  /** ztunnel / waypoint: readiness. */
  readiness: 15021,
  /** Waypoint brain: gRPC (ext_authz, ext_proc, access-log service), bound beside its Envoy (waypoint address). */
  brainGrpc: 15031,
} as const;

/**
 * Local (node-address) mode: HBONE dials the destination *node's* ztunnel, which serves many workloads on one
 * socket, so the client names the destination workload in TLS SNI and the server presents that workload's
 * certificate. (Istio dials `<podIP>:15008` and relies on the original destination instead; with in-pod capture we
 * will do the same and SNI becomes unnecessary.) IPv6 colons become dashes to keep the name DNS-shaped.
 */
export function hboneServerName(workloadIp: string): string {
  return `${workloadIp.replaceAll(':', '-')}.hbone.ambit`;
}

/** Inverse of hboneServerName; undefined when the name is not of that form. */
export function workloadIpFromServerName(name: string): string | undefined {
  const m = /^(.+)\.hbone\.ambit$/.exec(name);
  if (!m) return undefined;
  const ip = m[1]!;
  return ip.includes('-') ? ip.replaceAll('-', ':') : ip;
}

/** Destination ports that would loop traffic back into the proxy; never forwarded to. */
export const ILLEGAL_DESTINATION_PORTS: ReadonlySet<number> = new Set([15001, 15006, 15008, 15080]);

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * ext_proc processing mode shared by the waypoint's Envoy config and the brain's `mode_override`: request headers
 * only, every body and trailer phase skipped (envoy.config.filter.http.ext_proc ProcessingMode).
 */
export const EXT_PROC_HEADERS_ONLY_MODE = {
  request_header_mode: 'SEND',
  response_header_mode: 'SKIP',
  request_body_mode: 'NONE',
  response_body_mode: 'NONE',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
} as const;

/** xDS type URLs. */
export const TYPE_URLS = {
  address: 'type.googleapis.com/istio.workload.Address',
  workload: 'type.googleapis.com/istio.workload.Workload',
  authorization: 'type.googleapis.com/istio.security.Authorization',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  routeConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

/** Kubernetes labels and annotations with meaning in ambient mode. */
export const LABELS = {
  dataplaneMode: 'istio.io/dataplane-mode',
  useWaypoint: 'istio.io/use-waypoint',
  useWaypointNamespace: 'istio.io/use-waypoint-namespace',
  waypointFor: 'istio.io/waypoint-for',
  gatewayName: 'gateway.networking.k8s.io/gateway-name',
  managedBy: 'gateway.istio.io/managed',
  canonicalName: 'service.istio.io/canonical-name',
  canonicalRevision: 'service.istio.io/canonical-revision',
  /** Node topology labels istiod reads for an ambient pod's locality (subzone is Istio's own). */
  region: 'topology.kubernetes.io/region',
  zone: 'topology.kubernetes.io/zone',
  subzone: 'topology.istio.io/subzone',
} as const;

export const ANNOTATIONS = {
  dryRun: 'istio.io/dry-run',
  /** Ambit: HTTPRoute annotation naming the header or cookie that keys sticky canary assignment. */
  stickyKey: 'ambit.dev/sticky-key',
  /** Ambit: waypoint Gateway annotation turning on debug response headers. */
  waypointDebug: 'ambit.dev/debug',
} as const;

export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';
/** Cluster id used in workload uids, as Istio's default. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

/** Builds `spiffe://<td>/ns/<ns>/sa/<sa>`. */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Parses a SPIFFE id of the Istio form; undefined when it is not one. */
export function parseSpiffeId(id: string): { trustDomain: string; namespace: string; serviceAccount: string } | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  if (!m) return undefined;
  return { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! };
}
