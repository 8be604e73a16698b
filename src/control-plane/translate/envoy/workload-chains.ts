/**
 * Workload-addressed traffic (`istio.io/waypoint-for: workload|all`): the client ztunnel sends `<podIP>:<port>` as
 * the CONNECT authority. Like istiod's `direct-tcp` chain + `encap` cluster, main_internal matches the workload IPs,
 * re-publishes the restored destination as filter state for connect_originate, and sends the bytes there through an
 * `encap|<nodeAddress>` cluster whose endpoint metadata names the node ztunnel to dial. TCP only for now.
 */
import { PORTS } from '../../../shared/constants.js';
import type { MeshSnapshot, MeshWaypoint, Workload } from '../../../shared/model/mesh.js';
import { tcpAccessLog } from './filters.js';
import { FILTER_STATE, HBONE_ADDRESS_KEY, LISTENER_CONNECT_ORIGINATE, ORIGINAL_DST_METADATA, typeUrl } from './names.js';
import { internalUpstream } from './tls-contexts.js';

type Json = Record<string, unknown>;

export function encapClusterName(nodeAddress: string): string {
  return `encap|${nodeAddress}`;
}

/** Captured workloads bound to the waypoint, grouped by the node that serves them. */
function workloadsByNode(mesh: MeshSnapshot, waypoint: MeshWaypoint): Map<string, Workload[]> {
  const byNode = new Map<string, Workload[]>();
  for (const uid of waypoint.workloads) {
    const w = mesh.workloads.get(uid);
    if (!w || !w.captured || !w.nodeAddress || w.addresses.length === 0) continue;
    byNode.set(w.nodeAddress, [...(byNode.get(w.nodeAddress) ?? []), w]);
  }
  return byNode;
}

/** One `direct-tcp|<nodeAddress>` chain per node (workload IPs of that node, any port). */
export function workloadChains(mesh: MeshSnapshot, waypoint: MeshWaypoint): Json[] {
  const chains: Json[] = [];
  for (const [node, workloads] of [...workloadsByNode(mesh, waypoint)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ips = workloads.flatMap((w) => w.addresses).sort();
    const republish = {
      name: 'connect_authority',
      typed_config: {
        '@type': typeUrl('envoy.extensions.filters.network.set_filter_state.v3.Config'),
        on_new_connection: [
          {
            object_key: FILTER_STATE.originalDstLocal,
            format_string: { text_format_source: { inline_string: '%DOWNSTREAM_LOCAL_ADDRESS%' } },
            shared_with_upstream: 'ONCE',
          },
        ],
      },
    };
    const proxy = {
      '@type': typeUrl('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'),
      stat_prefix: `direct-tcp|${node}`,
      cluster: encapClusterName(node),
      access_log: [tcpAccessLog()],
    };
    chains.push({
      name: `direct-tcp|${node}`,
      filter_chain_match: { prefix_ranges: ips.map((ip) => ({ address_prefix: ip, prefix_len: ip.includes(':') ? 128 : 32 })) },
      filters: [republish, { name: 'envoy.filters.network.tcp_proxy', typed_config: proxy }],
    });
  }
  return chains;
}

/** `encap|<nodeAddress>`: connect_originate as an internal address, metadata naming the node's HBONE port. */
export function encapClusters(mesh: MeshSnapshot, waypoint: MeshWaypoint): Json[] {
  return [...workloadsByNode(mesh, waypoint).keys()].sort().map((node) => ({
    name: encapClusterName(node),
    type: 'STATIC',
    connect_timeout: '10s',
    load_assignment: {
      cluster_name: encapClusterName(node),
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: { address: { envoy_internal_address: { server_listener_name: LISTENER_CONNECT_ORIGINATE } } },
              metadata: { filter_metadata: { [ORIGINAL_DST_METADATA]: { [HBONE_ADDRESS_KEY]: `${node.includes(':') ? `[${node}]` : node}:${PORTS.hbone}` } } },
            },
          ],
        },
      ],
    },
    transport_socket: internalUpstream([ORIGINAL_DST_METADATA]),
  }));
}
