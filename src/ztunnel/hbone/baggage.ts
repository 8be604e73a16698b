/**
 * The W3C-baggage-style workload description Istio's ztunnel puts on HBONE CONNECT requests (source workload) and
 * 200 responses (destination workload): `k8s.cluster.name`, `k8s.namespace.name`, `k8s.<type>.name`,
 * `service.name`, `service.version`, `cloud.region`, `cloud.availability_zone`; empty values omitted.
 */
import type { ZWorkload } from '../state/types.js';

export function baggageOf(w: ZWorkload): string {
  return [
    ['k8s.cluster.name', w.clusterId],
    ['k8s.namespace.name', w.namespace],
    [`k8s.${w.workloadType}.name`, w.workloadName],
    ['service.name', w.canonicalName],
    ['service.version', w.canonicalRevision],
    ['cloud.region', w.locality?.region],
    ['cloud.availability_zone', w.locality?.zone],
  ]
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
