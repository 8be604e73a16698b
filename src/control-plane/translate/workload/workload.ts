/**
 * Mesh Workload → `istio.workload.Workload` (plain keepCase object), filled as istiod does for a Pod
 * (pilot/pkg/serviceregistry/ambient/workloads.go, see istio-facts.md §3.3).
 */
import { DEFAULT_TRUST_DOMAIN } from '../../../shared/constants.js';
import type { MeshOptions, WaypointRef, Workload, WorkloadPort } from '../../../shared/model/mesh.js';
import { ipToBytes } from '../../../shared/xds/ip-bytes.js';
import { AppProtocol, TunnelProtocol, WorkloadStatus, WorkloadType } from './enums.js';

/**
 * Ambit extension carried in `Workload.extensions` (field 26): the InternalIP of the node whose ztunnel serves this
 * workload, as a google.protobuf.StringValue. Local mode dials `<nodeAddress>:15008` for HBONE; Istio dials the pod
 * IP and has no such field, so it travels as a named extension that other consumers can ignore.
 */
export const NODE_ADDRESS_EXTENSION = 'ambit.dev/node-address';
const STRING_VALUE_TYPE = 'type.googleapis.com/google.protobuf.StringValue';

/** Kubernetes appProtocol → istio.workload.AppProtocol; undefined = UNKNOWN (left unset). */
export function appProtocolValue(appProtocol: string | undefined): number | undefined {
  switch (appProtocol?.toLowerCase()) {
    case 'http':
    case 'http1':
    case 'http/1.1':
      return AppProtocol.HTTP11;
    case 'http2':
    case 'h2c':
    case 'kubernetes.io/h2c':
      return AppProtocol.HTTP2;
    case 'grpc':
      return AppProtocol.GRPC;
    case 'tcp':
      return AppProtocol.TCP;
    case 'tls':
    case 'https':
      return AppProtocol.TLS;
    default:
      return undefined;
  }
}

export function portMessage(servicePort: number, targetPort: number, appProtocol: string | undefined): Record<string, unknown> {
  const proto = appProtocolValue(appProtocol);
  return { service_port: servicePort, target_port: targetPort, ...(proto !== undefined ? { app_protocol: proto } : {}) };
}

/** `GatewayAddress` in IP form with hbone_mtls_port (istiod uses 15008); undefined while the waypoint has no address. */
export function gatewayAddress(ref: WaypointRef | undefined, network: string): Record<string, unknown> | undefined {
  const bytes = ref?.address !== undefined ? ipToBytes(ref.address) : undefined;
  if (!ref || !bytes) return undefined;
  return { address: { network, address: bytes }, hbone_mtls_port: ref.hbonePort };
}

function servicesMap(services: Readonly<Record<string, readonly WorkloadPort[]>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(services).sort()) {
    out[key] = { ports: (services[key] ?? []).map((p) => portMessage(p.servicePort, p.targetPort, p.appProtocol)) };
  }
  return out;
}

function nodeAddressExtension(w: Workload, encodeString: (value: string) => Uint8Array): Record<string, unknown>[] {
  if (w.nodeAddress === undefined) return [];
  return [{ name: NODE_ADDRESS_EXTENSION, config: { type_url: STRING_VALUE_TYPE, value: encodeString(w.nodeAddress) } }];
}

/** The Workload message for `w` (enums as numbers, ready for Type.encode). `encodeString` encodes a google.protobuf.StringValue (injected to stay pure). */
export function workloadMessage(
  w: Workload,
  options: MeshOptions,
  encodeString: (value: string) => Uint8Array,
): Record<string, unknown> {
  const addresses = w.addresses.map((a) => ipToBytes(a)).filter((b): b is Buffer => b !== undefined);
  const waypoint = gatewayAddress(w.waypoint, w.network);
  const extensions = nodeAddressExtension(w, encodeString);
  return {
    uid: w.uid,
    name: w.name,
    namespace: w.namespace,
    addresses,
    network: w.network,
    tunnel_protocol: w.captured ? TunnelProtocol.HBONE : TunnelProtocol.NONE,
    // istiod elides the mesh-default trust domain.
    trust_domain: w.trustDomain === DEFAULT_TRUST_DOMAIN ? '' : w.trustDomain,
    service_account: w.serviceAccount,
    ...(waypoint ? { waypoint } : {}),
    node: w.node,
    canonical_name: w.canonicalName,
    canonical_revision: w.canonicalRevision,
    // istiod always sends POD "for backwards compatibility".
    workload_type: WorkloadType.POD,
    workload_name: w.workloadName,
    services: servicesMap(w.services),
    authorization_policies: [...w.selectorPolicies],
    status: w.healthy ? WorkloadStatus.HEALTHY : WorkloadStatus.UNHEALTHY,
    cluster_id: options.clusterId,
    ...(w.locality ? { locality: { region: w.locality.region, zone: w.locality.zone, subzone: w.locality.subzone } } : {}),
    ...(extensions.length > 0 ? { extensions } : {}),
  };
}

/** On-demand lookup keys `<network>/<ip>` for every address (default network is ''). */
export function addressAliases(network: string, addresses: readonly string[]): string[] {
  return addresses.map((a) => `${network}/${a}`);
}
