/**
 * Mesh Service → `istio.workload.Service` (plain keepCase object), as istiod's services.go fills it for the fields the
 * Ambit model carries (istio-facts.md §3.3).
 */
import { isIPv4 } from 'node:net';
import type { MeshLoadBalancing, MeshService } from '../../../shared/model/mesh.js';
import { ipToBytes } from '../../../shared/xds/ip-bytes.js';
import { gatewayAddress, portMessage } from './workload.js';
import { IPFamilies, LoadBalancing_HealthPolicy, LoadBalancing_Mode, LoadBalancing_Scope } from './enums.js';

/** istiod derives ip_families from Service.spec.ipFamilies; our model has the cluster IPs, which say the same. */
function ipFamilies(vips: readonly string[]): number | undefined {
  const v4 = vips.some((v) => isIPv4(v));
  const v6 = vips.some((v) => !isIPv4(v));
  if (v4 && v6) return IPFamilies.DUAL;
  if (v4) return IPFamilies.IPV4_ONLY;
  if (v6) return IPFamilies.IPV6_ONLY;
  return undefined;
}

/** Services have no network in our model: single-network mesh, default network ''. */
export const SERVICE_NETWORK = '';

/** Locality and health rules (internalTrafficPolicy, trafficDistribution, publishNotReadyAddresses, resolution NONE). */
function loadBalancingMessage(lb: MeshLoadBalancing): Record<string, unknown> {
  return {
    routing_preference: lb.routingPreference.map((scope) => LoadBalancing_Scope[scope as keyof typeof LoadBalancing_Scope] ?? LoadBalancing_Scope.UNSPECIFIED_SCOPE),
    mode: LoadBalancing_Mode[lb.mode ?? 'UNSPECIFIED_MODE'],
    health_policy: LoadBalancing_HealthPolicy[lb.healthPolicy ?? 'ONLY_HEALTHY'],
  };
}

export function serviceMessage(s: MeshService): Record<string, unknown> {
  const addresses = s.vips
    .map((v) => ipToBytes(v))
    .filter((b): b is Buffer => b !== undefined)
    .map((address) => ({ network: SERVICE_NETWORK, address }));
  const waypoint = gatewayAddress(s.waypoint, SERVICE_NETWORK);
  const families = ipFamilies(s.vips);
  return {
    name: s.name,
    namespace: s.namespace,
    hostname: s.hostname,
    addresses,
    ports: s.ports.map((p) => portMessage(p.port, p.numericTargetPort ?? 0, p.appProtocol)),
    subject_alt_names: [...s.subjectAltNames],
    ...(waypoint ? { waypoint } : {}),
    ...(families !== undefined ? { ip_families: families } : {}),
    ...(s.loadBalancing ? { load_balancing: loadBalancingMessage(s.loadBalancing) } : {}),
  };
}
