/** CDS for one waypoint: the internal hops, HBONE origination, the brain, and one EDS cluster per service port. */
import { PORTS } from '../../../shared/constants.js';
import {
  ADS_CONFIG_SOURCE,
  CLUSTER_BRAIN,
  CLUSTER_CONNECT_ORIGINATE,
  CLUSTER_MAIN_INTERNAL,
  HBONE_ADDRESS_KEY,
  LISTENER_MAIN_INTERNAL,
  ORIGINAL_DST_METADATA,
  typeUrl,
  type ChainProtocol,
  vipClusterName,
} from './names.js';
import { internalUpstream, upstreamHboneTls } from './tls-contexts.js';
import type { PortProtocol } from './waypoint-view.js';

type Json = Record<string, unknown>;

const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function http2Options(extra: Json = {}, common: Json = {}): Json {
  return {
    [HTTP_OPTIONS_KEY]: {
      '@type': typeUrl(HTTP_OPTIONS_KEY),
      ...common,
      explicit_http_config: { http2_protocol_options: { ...extra } },
    },
  };
}

function staticCluster(name: string, address: Json, extra: Json): Json {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '10s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
    ...extra,
  };
}

/** connect_terminate → main_internal (an internal address; the filter state it carries selects the chain). */
export function mainInternalCluster(): Json {
  return staticCluster(CLUSTER_MAIN_INTERNAL, { envoy_internal_address: { server_listener_name: LISTENER_MAIN_INTERNAL } }, {
    transport_socket: internalUpstream([]),
  });
}

/** HBONE out: ORIGINAL_DST to the endpoint's `hbone_address` metadata, port forced to 15008, HTTP/2 CONNECT over mTLS. */
export function connectOriginateCluster(trustDomain: string): Json {
  return {
    name: CLUSTER_CONNECT_ORIGINATE,
    type: 'ORIGINAL_DST',
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: '10s',
    cleanup_interval: '60s',
    original_dst_lb_config: {
      upstream_port_override: PORTS.hbone,
      metadata_key: { key: ORIGINAL_DST_METADATA, path: [{ key: HBONE_ADDRESS_KEY }] },
    },
    typed_extension_protocol_options: http2Options({ allow_connect: true }, { common_http_protocol_options: { idle_timeout: '3600s' } }),
    transport_socket: upstreamHboneTls(trustDomain),
  };
}

/** The waypoint's brain (ext_authz, ext_proc, access logs) beside Envoy on the waypoint address. */
export function brainCluster(waypointAddress: string): Json {
  return staticCluster(CLUSTER_BRAIN, { socket_address: { address: waypointAddress, port_value: PORTS.brainGrpc } }, {
    typed_extension_protocol_options: http2Options(),
  });
}

/**
 * `inbound-vip|<port>|<http|tcp>|<host>`: EDS. On a waypoint the endpoints are connect_originate internal addresses
 * (`internal`); for proxyless clients they are pod addresses reached directly (`direct`, no transport socket).
 */
export function vipCluster(protocol: ChainProtocol, port: number, hostname: string, portProtocol: PortProtocol, mode: 'internal' | 'direct' = 'internal'): Json {
  const name = vipClusterName(protocol, port, hostname);
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: ADS_CONFIG_SOURCE },
    connect_timeout: '10s',
    lb_policy: 'ROUND_ROBIN',
    ...(mode === 'internal' ? { transport_socket: internalUpstream([ORIGINAL_DST_METADATA]) } : {}),
    ...(protocol === 'http' && portProtocol === 'http2' ? { typed_extension_protocol_options: http2Options() } : {}),
  };
}
