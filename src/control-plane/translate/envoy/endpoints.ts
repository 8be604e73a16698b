/**
 * EDS: a VIP cluster's endpoints are the service's healthy, captured workloads, each an internal address of
 * connect_originate with metadata telling it the CONNECT authority (`local` = `<podIP>:<targetPort>`, as Istio) and
 * where to dial (`hbone_address` = `<nodeAddress>:15008`, local mode).
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

export function loadAssignment(clusterName: string, mesh: MeshSnapshot, service: MeshService, port: MeshServicePort): Json {
  const lbEndpoints: Json[] = [];
  for (const uid of service.endpoints) {
    const w = mesh.workloads.get(uid);
    const ip = w?.addresses[0];
    if (!w || !ip || !w.healthy || !w.captured || !w.nodeAddress) continue;
    const target = targetPortOf(service, port, w);
    if (target === undefined) continue;
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
  return { cluster_name: clusterName, endpoints: lbEndpoints.length > 0 ? [{ lb_endpoints: lbEndpoints }] : [] };
}
