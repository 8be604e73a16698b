/**
 * LDS for one waypoint (istiod waypoint topology, istio-facts §5):
 *   connect_terminate (HBONE :15008) → main_internal (per-service chains) → VIP clusters → connect_originate (HBONE out).
 */
import { PORTS } from '../../../shared/constants.js';
import { downstreamHboneTls } from './tls-contexts.js';
import { extAuthzFilter, extProcFilter, httpAccessLog, peerHeadersFilter, routerFilter, tcpAccessLog } from './filters.js';
import {
  ADS_CONFIG_SOURCE,
  CLUSTER_CONNECT_ORIGINATE,
  CLUSTER_MAIN_INTERNAL,
  FILTER_STATE,
  LISTENER_CONNECT_ORIGINATE,
  LISTENER_CONNECT_TERMINATE,
  LISTENER_MAIN_INTERNAL,
  typeUrl,
  vipClusterName,
} from './names.js';
import type { ServicePortView } from './waypoint-view.js';

type Json = Record<string, unknown>;

const HCM = typeUrl('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
const TCP_PROXY = typeUrl('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');

function shared(objectKey: string, format: string, factoryKey?: string): Json {
  return {
    object_key: objectKey,
    ...(factoryKey ? { factory_key: factoryKey } : {}),
    format_string: { text_format_source: { inline_string: format } },
    shared_with_upstream: 'ONCE',
  };
}

/** HBONE termination: CONNECT → TCP stream into main_internal, with the original destination and peer in filter state. */
export function connectTerminateListener(address: string, trustDomain: string): Json {
  const connectAuthority = {
    name: 'connect_authority',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.http.set_filter_state.v3.Config'),
      on_request_headers: [
        shared(FILTER_STATE.originalDstLocal, '%REQ(:AUTHORITY)%'),
        shared(FILTER_STATE.connectAuthority, '%REQ(:AUTHORITY)%', 'envoy.string'),
        shared(FILTER_STATE.originalDstRemote, '%DOWNSTREAM_REMOTE_ADDRESS%'),
        shared(FILTER_STATE.peerPrincipal, '%DOWNSTREAM_PEER_URI_SAN%', 'envoy.string'),
      ],
    },
  };
  const hcm = {
    '@type': HCM,
    stat_prefix: LISTENER_CONNECT_TERMINATE,
    codec_type: 'HTTP2',
    route_config: {
      name: 'default',
      virtual_hosts: [
        {
          name: 'default',
          domains: ['*'],
          routes: [{ match: { connect_matcher: {} }, route: { cluster: CLUSTER_MAIN_INTERNAL, upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }] } }],
        },
      ],
    },
    http_filters: [connectAuthority, routerFilter()],
    http2_protocol_options: { allow_connect: true, max_concurrent_streams: 100, connection_keepalive: { interval: '10s', timeout: '20s' } },
    upgrade_configs: [{ upgrade_type: 'CONNECT' }],
    use_remote_address: false,
    stream_idle_timeout: '0s',
  };
  return {
    name: LISTENER_CONNECT_TERMINATE,
    address: { socket_address: { address, port_value: PORTS.hbone } },
    connection_balance_config: { exact_balance: {} },
    filter_chains: [
      {
        name: LISTENER_CONNECT_TERMINATE,
        transport_socket: downstreamHboneTls(trustDomain),
        filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }],
      },
    ],
  };
}

export interface ChainOptions {
  /** Service port → whether its HTTP chain gets ext_authz / ext_proc. */
  readonly extAuthz: (view: ServicePortView) => boolean;
  readonly extProc: (view: ServicePortView) => boolean;
  /** Told about chains left out because another service already claims the same VIP and port. */
  readonly onConflict?: (message: string) => void;
}

/** Envoy rejects a listener whose chains have identical matches; the first claim (services by key) wins. */
function claim(seen: Map<string, string>, chain: Json, opts: ChainOptions): boolean {
  const m = chain.filter_chain_match as { destination_port?: number; prefix_ranges?: { address_prefix: string }[]; application_protocols?: string[] };
  const keys = (m.prefix_ranges ?? []).map((r) => `${r.address_prefix}|${m.destination_port ?? '*'}|${(m.application_protocols ?? []).join(',')}`);
  const taken = keys.map((k) => seen.get(k)).find((v) => v !== undefined);
  if (taken !== undefined) {
    opts.onConflict?.(`filter chain ${String(chain.name)} left out: its VIP and port are already served by ${taken}`);
    return false;
  }
  for (const k of keys) seen.set(k, String(chain.name));
  return true;
}

/** The internal listener that picks a per-service chain from the restored original destination (VIP:port). */
export function mainInternalListener(ports: readonly ServicePortView[], opts: ChainOptions, extraChains: readonly Json[] = []): Json {
  const chains: Json[] = [...extraChains];
  const seen = new Map<string, string>();
  const sniff = ports.some((p) => p.protocol === 'unknown');
  for (const view of ports) {
    if (view.service.vips.length === 0) continue;
    const match = (extra: Json): Json => ({
      destination_port: view.port.port,
      prefix_ranges: view.service.vips.map((ip) => ({ address_prefix: ip, prefix_len: ip.includes(':') ? 128 : 32 })),
      ...extra,
    });
    const add = (chain: Json): void => void (claim(seen, chain, opts) && chains.push(chain));
    if (view.protocol !== 'tcp') {
      const sniffed = view.protocol === 'unknown' ? { application_protocols: ['http/1.1', 'h2c'] } : {};
      add(httpChain(view, match(sniffed), opts));
    }
    if (view.protocol === 'tcp' || view.protocol === 'unknown') add(tcpChain(view, match({})));
  }
  const listenerFilters: Json[] = [
    { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': typeUrl('envoy.extensions.filters.listener.original_dst.v3.OriginalDst') } },
  ];
  if (sniff) {
    listenerFilters.push({ name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': typeUrl('envoy.extensions.filters.listener.http_inspector.v3.HttpInspector') } });
  }
  return {
    name: LISTENER_MAIN_INTERNAL,
    internal_listener: {},
    traffic_direction: 'INBOUND',
    use_original_dst: false,
    listener_filters: listenerFilters,
    ...(sniff ? { listener_filters_timeout: '5s', continue_on_listener_filters_timeout: true } : {}),
    filter_chains: chains,
  };
}

function httpChain(view: ServicePortView, filterChainMatch: Json, opts: ChainOptions): Json {
  const name = vipClusterName('http', view.port.port, view.service.hostname);
  const httpFilters = [peerHeadersFilter()];
  if (opts.extAuthz(view)) httpFilters.push(extAuthzFilter());
  if (opts.extProc(view)) httpFilters.push(extProcFilter());
  httpFilters.push(routerFilter());
  const hcm = {
    '@type': HCM,
    stat_prefix: name,
    rds: { route_config_name: name, config_source: ADS_CONFIG_SOURCE },
    http_filters: httpFilters,
    use_remote_address: false,
    access_log: [httpAccessLog()],
  };
  return { name, filter_chain_match: filterChainMatch, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] };
}

function tcpChain(view: ServicePortView, filterChainMatch: Json): Json {
  const name = vipClusterName('tcp', view.port.port, view.service.hostname);
  const proxy = { '@type': TCP_PROXY, stat_prefix: name, cluster: name, access_log: [tcpAccessLog()] };
  return { name, filter_chain_match: filterChainMatch, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: proxy }] };
}

/**
 * HBONE origination. The endpoint's metadata restored the local address to `<podIP>:<targetPort>` (CONNECT
 * authority); the cluster dials `hbone_address` (the node's ztunnel :15008). Local mode names the destination workload
 * in SNI (`<podIP>.hbone.ambit`, see hboneServerName) via the `envoy.network.upstream_server_name` filter state.
 */
export function connectOriginateListener(): Json {
  const sni = {
    name: 'envoy.filters.network.set_filter_state',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.network.set_filter_state.v3.Config'),
      on_new_connection: [
        {
          object_key: FILTER_STATE.upstreamServerName,
          format_string: { text_format_source: { inline_string: '%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%.hbone.ambit' } },
        },
      ],
    },
  };
  const proxy = {
    '@type': TCP_PROXY,
    stat_prefix: LISTENER_CONNECT_ORIGINATE,
    cluster: CLUSTER_CONNECT_ORIGINATE,
    tunneling_config: { hostname: '%DOWNSTREAM_LOCAL_ADDRESS%' },
  };
  return {
    name: LISTENER_CONNECT_ORIGINATE,
    internal_listener: {},
    use_original_dst: false,
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': typeUrl('envoy.extensions.filters.listener.original_dst.v3.OriginalDst') } },
    ],
    filter_chains: [{ name: LISTENER_CONNECT_ORIGINATE, filters: [sni, { name: 'envoy.filters.network.tcp_proxy', typed_config: proxy }] }],
  };
}
