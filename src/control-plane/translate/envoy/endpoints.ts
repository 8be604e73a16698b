/**
 * EDS: a VIP cluster's endpoints are the service's healthy workloads. Captured ones are internal addresses of
 * connect_originate with metadata telling it the CONNECT authority (`local` = `<podIP>:<targetPort>`, as Istio) and
 * where to dial (`hbone_address` = `<nodeAddress>:15008`, local mode); workloads outside the mesh are dialled directly.
 */
import { PORTS } from '../../../shared/constants.js';
import type { MeshService, MeshServicePort, MeshSnapshot, Workload } from '../../../shared/model/mesh.js';
import { HBONE_ADDRESS_KEY, LISTENER_CONNECT_ORIGINATE, ORIGINAL_DST_METADATA } from './names.js';

type Json = Record<string, unknown>;

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Target port of `port` on `workload` (named ports resolve per workload), or undefined when it has none. */
export function targetPortOf(service: MeshService, port: MeshServicePort, workload: Workload): number | undefined {
  const mapped = workload.services[service.key]?.find((p) => p.servicePort === port.port);
  if (mapped) return mapped.targetPort;
  if (port.numericTargetPort !== undefined) return port.numericTargetPort;
  return typeof port.targetPort === 'number' ? port.targetPort : undefined;
}

/** `hbone`: internal addresses of connect_originate (waypoint); `direct`: `<podIP>:<targetPort>` socket addresses (proxyless). */
export function loadAssignment(clusterName: string, mesh: MeshSnapshot, service: MeshService, port: MeshServicePort, mode: 'hbone' | 'direct' = 'hbone'): Json {
  const lbEndpoints: Json[] = [];
  for (const uid of service.endpoints) {
    const w = mesh.workloads.get(uid);
    const ip = w?.addresses[0];
    if (!w || !ip || !w.healthy) continue;
    const target = targetPortOf(service, port, w);
    if (target === undefined) continue;
    if (mode === 'direct') {
      lbEndpoints.push({ endpoint: { address: { socket_address: { address: ip, port_value: target } } }, health_status: 'HEALTHY' });
      continue;
    }
    if (!w.captured) {
      // Not in the mesh: no HBONE, dial the pod directly (plain TCP), as istiod does for non-ambient endpoints.
      lbEndpoints.push({ endpoint: { address: { socket_address: { address: ip, port_value: target } } }, health_status: 'HEALTHY' });
      continue;
    }
    if (!w.nodeAddress) continue;
    const local = hostPort(ip, target);
    lbEndpoints.push({
      endpoint: { address: { envoy_internal_address: { server_listener_name: LISTENER_CONNECT_ORIGINATE, endpoint_id: local } } },
      health_status: 'HEALTHY',
      metadata: {
        filter_metadata: {
          [ORIGINAL_DST_METADATA]: { local, [HBONE_ADDRESS_KEY]: hostPort(w.nodeAddress, PORTS.hbone) },
        },
      },
    });
  }
  // gRPC xDS clients require a locality (and weight); Envoy ignores both here.
  return { cluster_name: clusterName, endpoints: lbEndpoints.length > 0 ? [{ locality: {}, lb_endpoints: lbEndpoints, load_balancing_weight: 1 }] : [] };
}
