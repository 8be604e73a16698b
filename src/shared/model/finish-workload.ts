/**
 * Turning a WorkloadDraft into the final readonly Workload. When the result would equal the previous snapshot's
 * Workload, that instance is returned instead, so generators caching by identity (WeakMap) skip it. The comparison is
 * field by field because it runs for every workload on every rebuild (10k+).
 */
import type { Labels } from './objects.js';
import type { Locality, WaypointRef, Workload, WorkloadPort } from './mesh.js';
import type { Mutable, WorkloadDraft } from './build-workloads.js';

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRecord(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

function samePorts(a: readonly WorkloadPort[], b: readonly WorkloadPort[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as WorkloadPort;
    const y = b[i] as WorkloadPort;
    if (x.servicePort !== y.servicePort || x.targetPort !== y.targetPort || x.appProtocol !== y.appProtocol) return false;
  }
  return true;
}

function sameWaypoint(a: WaypointRef | undefined, b: WaypointRef | undefined): boolean {
  if (a === b) return true;
  return !!a && !!b && a.name === b.name && a.namespace === b.namespace && a.address === b.address && a.hbonePort === b.hbonePort;
}

function sameLocality(a: Locality | undefined, b: Locality | undefined): boolean {
  if (a === b) return true;
  return !!a && !!b && a.region === b.region && a.zone === b.zone && a.subzone === b.subzone;
}

/** Field-by-field comparison of a draft with the previous Workload (hot path: 10k workloads per rebuild). */
function sameAsPrevious(d: WorkloadDraft, p: Workload, policies: readonly string[]): boolean {
  if (
    d.kind !== p.kind || d.name !== p.name || d.namespace !== p.namespace || d.node !== p.node || d.nodeAddress !== p.nodeAddress ||
    d.serviceAccount !== p.serviceAccount || d.identity !== p.identity || d.trustDomain !== p.trustDomain || d.network !== p.network ||
    d.captured !== p.captured || d.healthy !== p.healthy || d.canonicalName !== p.canonicalName ||
    d.canonicalRevision !== p.canonicalRevision || d.workloadName !== p.workloadName || d.waypointFor !== p.waypointFor
  ) {
    return false;
  }
  if (!sameStrings(d.addresses, p.addresses) || !sameRecord(d.labels, p.labels) || !sameWaypoint(d.waypoint, p.waypoint) || !sameLocality(d.locality, p.locality)) return false;
  if (!sameStrings(policies, p.selectorPolicies)) return false;
  let prevCount = 0;
  for (const k in p.services) if (Object.hasOwn(p.services, k)) prevCount++;
  if (prevCount !== d.services.length) return false;
  for (const [k, ports] of d.services) if (!samePorts(ports, p.services[k])) return false;
  return true;
}

/** The final readonly Workload; `previous` itself when nothing changed, so consumers can cache by identity. */
export function finishWorkload(d: WorkloadDraft, previous: Workload | undefined): Workload {
  const policies = d.selectorPolicies.length > 1 ? d.selectorPolicies.sort() : d.selectorPolicies;
  if (previous && sameAsPrevious(d, previous, policies)) return previous;
  if (d.services.length > 1) d.services.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const services: Record<string, readonly WorkloadPort[]> = {};
  for (const [k, ports] of d.services) services[k] = ports;
  const w: Mutable<Workload> = {
    uid: d.uid, kind: d.kind, name: d.name, namespace: d.namespace, labels: d.labels, addresses: d.addresses, node: d.node,
    serviceAccount: d.serviceAccount, identity: d.identity, trustDomain: d.trustDomain, network: d.network, captured: d.captured,
    healthy: d.healthy, canonicalName: d.canonicalName, canonicalRevision: d.canonicalRevision, workloadName: d.workloadName,
    services, selectorPolicies: policies,
  };
  if (d.nodeAddress !== undefined) w.nodeAddress = d.nodeAddress;
  if (d.waypoint !== undefined) w.waypoint = d.waypoint;
  if (d.waypointFor !== undefined) w.waypointFor = d.waypointFor;
  if (d.locality !== undefined) w.locality = d.locality;
  return w;
}
