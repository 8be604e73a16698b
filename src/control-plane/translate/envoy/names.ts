/**
 * Names and fixed values of the waypoint's Envoy config. They follow istiod's waypoint (pilot/pkg/networking/core/
 * waypoint.go) so someone who knows Istio can read our config dump.
 */
import { TYPE_URL_PREFIX } from '../../../shared/constants.js';

export const LISTENER_CONNECT_TERMINATE = 'connect_terminate';
export const LISTENER_MAIN_INTERNAL = 'main_internal';
export const LISTENER_CONNECT_ORIGINATE = 'connect_originate';
export const CLUSTER_MAIN_INTERNAL = 'main_internal';
export const CLUSTER_CONNECT_ORIGINATE = 'connect_originate';
export const CLUSTER_BRAIN = 'ambit_brain';
/** SDS names used by Istio proxies: the workload certificate and the mesh root. */
export const SECRET_DEFAULT = 'default';
export const SECRET_ROOTCA = 'ROOTCA';
export const ACCESS_LOG_NAME = 'ambit';

/** Filter-state keys set on connect_terminate and shared with the internal listeners. */
export const FILTER_STATE = {
  originalDstLocal: 'envoy.filters.listener.original_dst.local_ip',
  originalDstRemote: 'envoy.filters.listener.original_dst.remote_ip',
  connectAuthority: 'io.istio.connect_authority',
  peerPrincipal: 'io.istio.peer_principal',
  upstreamServerName: 'envoy.network.upstream_server_name',
} as const;

/** Endpoint metadata namespace passed from VIP-cluster hosts into connect_originate (as Istio). */
export const ORIGINAL_DST_METADATA = 'envoy.filters.listener.original_dst';
/** Key in that namespace naming where to dial HBONE: the destination node's ztunnel (`<nodeAddress>:15008`). */
export const HBONE_ADDRESS_KEY = 'hbone_address';

/** Request headers the waypoint sets for the brain (client-supplied values are removed first). */
export const PEER_HEADERS = {
  principal: 'x-ambit-peer-principal',
  address: 'x-ambit-peer-address',
} as const;
/** Set by the brain's ext_proc to pin a sticky canary to one backendRef (by Service name). */
export const BACKEND_HEADER = 'x-ambit-backend';

export type ChainProtocol = 'http' | 'tcp';

/** `inbound-vip|<port>|<http|tcp>|<hostname>` — cluster, filter-chain and route-config name (istiod BuildSubsetKey). */
export function vipClusterName(protocol: ChainProtocol, port: number, hostname: string): string {
  return `inbound-vip|${port}|${protocol}|${hostname}`;
}

/** Fully qualified type URL for a message name. */
export function typeUrl(messageName: string): string {
  return TYPE_URL_PREFIX + messageName;
}

/** `{ ads: {}, resource_api_version: V3 }`: everything dynamic comes over the one ADS stream. */
export const ADS_CONFIG_SOURCE = { ads: {}, resource_api_version: 'V3' } as const;
