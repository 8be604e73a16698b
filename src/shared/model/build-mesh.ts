/**
 * ConfigSnapshot → MeshSnapshot with Istio's ambient rules. Pure: no I/O, no clock. Entries equal to the ones in
 * `previous` keep their object identity, so downstream generators can cache encodings in a WeakMap.
 */
import { DEFAULT_CLUSTER_ID, DEFAULT_ROOT_NAMESPACE, DEFAULT_TRUST_DOMAIN } from '../constants.js';
import type {
  AuthorizationPolicyObject,
  ConfigObject,
  ConfigSnapshot,
  GatewayObject,
  HTTPRouteObject,
  Labels,
  NodeObject,
  PodObject,
  RequestAuthenticationObject,
  ServiceEntryObject,
  ServiceObject,
  WorkloadEntryObject,
} from './objects.js';
import type { MeshOptions, MeshService, MeshSnapshot, Workload } from './mesh.js';
import { draftWaypoint, isWaypointGateway, type WaypointDraft } from './build-waypoints.js';
import { gatewayWorkload, podWorkload, serviceEntryWorkloads, workloadEntryWorkload, type WorkloadContext, type WorkloadDraft } from './build-workloads.js';
import { finishWorkload } from './finish-workload.js';
import { kubeService, serviceEntryServices, type ServiceContext } from './build-services.js';
import { meshHttpRoute, meshPolicy, meshRequestAuthentication } from './build-policies.js';
import { createLabelIndex, type LabelIndex } from './label-index.js';
import { keepIdentity } from './deep-equal.js';

export const DEFAULT_MESH_OPTIONS: MeshOptions = {
  trustDomain: DEFAULT_TRUST_DOMAIN,
  rootNamespace: DEFAULT_ROOT_NAMESPACE,
  clusterId: DEFAULT_CLUSTER_ID,
  domainSuffix: 'cluster.local',
};

interface ByKind {
  readonly namespaces: Map<string, Labels>;
  readonly namespaceAnnotations: Map<string, Labels>;
  readonly nodes: Map<string, NodeObject>;
  readonly pods: PodObject[];
  readonly services: ServiceObject[];
  readonly workloadEntries: WorkloadEntryObject[];
  readonly serviceEntries: ServiceEntryObject[];
  readonly gateways: GatewayObject[];
  readonly routes: HTTPRouteObject[];
  readonly policies: AuthorizationPolicyObject[];
  readonly requestAuthentications: RequestAuthenticationObject[];
}

function partition(objects: Iterable<ConfigObject>): ByKind {
  const k: ByKind = {
    namespaces: new Map(), namespaceAnnotations: new Map(), nodes: new Map(), pods: [], services: [], workloadEntries: [], serviceEntries: [],
    gateways: [], routes: [], policies: [], requestAuthentications: [],
  };
  for (const o of objects) {
    switch (o.kind) {
      case 'Namespace':
        k.namespaces.set(o.metadata.name, o.metadata.labels);
        k.namespaceAnnotations.set(o.metadata.name, o.metadata.annotations);
        break;
      case 'Node': k.nodes.set(o.metadata.name, o); break;
      case 'Pod': k.pods.push(o); break;
      case 'Service': k.services.push(o); break;
      case 'ServiceAccount': break;
      case 'WorkloadEntry': k.workloadEntries.push(o); break;
      case 'ServiceEntry': k.serviceEntries.push(o); break;
      case 'Gateway': k.gateways.push(o); break;
      case 'HTTPRoute': k.routes.push(o); break;
      case 'AuthorizationPolicy': k.policies.push(o); break;
      case 'RequestAuthentication': k.requestAuthentications.push(o); break;
    }
  }
  return k;
}

/** Namespaces named by any object exist implicitly (local mode does not require Namespace objects). */
function namespaceLabels(k: ByKind, objects: Iterable<ConfigObject>): Map<string, Labels> {
  const out = new Map(k.namespaces);
  for (const o of objects) if (o.metadata.namespace && !out.has(o.metadata.namespace)) out.set(o.metadata.namespace, {});
  return out;
}

/** A Map with keys in sorted order (stable debug output and iteration for consumers). */
function sortedMap<V>(entries: Iterable<readonly [string, V]>): Map<string, V> {
  const byKey = new Map(entries);
  const keys = [...byKey.keys()].sort();
  const out = new Map<string, V>();
  for (const k of keys) out.set(k, byKey.get(k) as V);
  return out;
}

interface WorkloadPhase {
  readonly drafts: WorkloadDraft[];
  readonly index: LabelIndex<WorkloadDraft>;
  /** Inline-endpoint workloads of each ServiceEntry. */
  readonly inline: ReadonlyMap<ServiceEntryObject, WorkloadDraft[]>;
}

/** Workload drafts from pods, WorkloadEntries, pod-less waypoint Gateways and ServiceEntry endpoints. */
function draftWorkloads(k: ByKind, wctx: WorkloadContext): WorkloadPhase {
  const drafts: WorkloadDraft[] = [];
  for (const pod of k.pods) {
    const d = podWorkload(wctx, pod);
    if (d) drafts.push(d);
  }
  for (const we of k.workloadEntries) drafts.push(workloadEntryWorkload(wctx, we));
  const podWaypoints = new Set<string>();
  for (const d of drafts) if (d.waypointFor !== undefined) podWaypoints.add(d.waypointFor);
  for (const gw of k.gateways) {
    const wp = wctx.waypoints.get(`${gw.metadata.namespace}/${gw.metadata.name}`);
    const d = wp && !podWaypoints.has(wp.base.key) ? gatewayWorkload(wctx, gw, wp) : undefined;
    if (d) drafts.push(d);
  }
  const inline = new Map(k.serviceEntries.map((se) => [se, serviceEntryWorkloads(wctx, se)] as const));
  const index = createLabelIndex(drafts.filter((d) => d.selectable));
  for (const list of inline.values()) drafts.push(...list);
  return { drafts, index, inline };
}

/** Services from Services and ServiceEntries (a Service wins a hostname clash), and ServiceEntry name → keys. */
function buildServices(k: ByKind, sctx: ServiceContext, inline: WorkloadPhase['inline']) {
  const services = new Map<string, MeshService>();
  const serviceEntryKeys = new Map<string, string[]>();
  for (const svc of k.services) {
    const s = kubeService(sctx, svc);
    services.set(s.key, s);
  }
  for (const se of k.serviceEntries) {
    const list = serviceEntryServices(sctx, se, inline.get(se) ?? []);
    serviceEntryKeys.set(`${se.metadata.namespace}/${se.metadata.name}`, list.map((s) => s.key));
    for (const s of list) if (!services.has(s.key)) services.set(s.key, s);
  }
  return { services, serviceEntryKeys };
}

/** A sorted map of `entries`, each replaced by its previous instance when structurally equal. */
function keyed<V>(entries: Iterable<readonly [string, V]>, previous: ReadonlyMap<string, V> | undefined): Map<string, V> {
  return sortedMap([...entries].map(([key, v]) => [key, keepIdentity(v, previous?.get(key))] as const));
}

/** Builds the mesh model. `previous` is only used to keep identity of unchanged entries and to number the version. */
export function buildMesh(config: ConfigSnapshot, options: MeshOptions = DEFAULT_MESH_OPTIONS, previous?: MeshSnapshot): MeshSnapshot {
  const objects = [...config.objects.values()];
  const k = partition(objects);
  const namespaces = namespaceLabels(k, objects);
  const waypoints = new Map<string, WaypointDraft>();
  for (const gw of k.gateways) if (isWaypointGateway(gw)) waypoints.set(`${gw.metadata.namespace}/${gw.metadata.name}`, draftWaypoint(gw, options));
  const { drafts, index, inline } = draftWorkloads(k, { options, namespaces, nodes: k.nodes, waypoints });
  const { services, serviceEntryKeys } = buildServices(k, { options, namespaces, namespaceAnnotations: k.namespaceAnnotations, waypoints, index }, inline);
  const pctx = { options, index, waypoints, services, serviceEntryKeys };
  // Policies last: selector policies record themselves on the drafts before those are finished.
  const policies = k.policies.map((p) => [p.metadata.namespace + '/' + p.metadata.name, meshPolicy(pctx, p)] as const);
  // Workloads keep config order (deterministic: files sorted, then documents); sorting 10k keys costs more than it helps.
  const workloads = new Map<string, Workload>();
  for (const d of drafts) workloads.set(d.uid, finishWorkload(d, previous?.workloads.get(d.uid)));
  return {
    version: (previous?.version ?? 0) + 1,
    options,
    nodes: keyed([...k.nodes.values()].map((n) => [n.metadata.name, { name: n.metadata.name, address: n.spec.internalIP }] as const), previous?.nodes),
    workloads,
    services: keyed(services, previous?.services),
    waypoints: keyed(
      [...waypoints.values()].map((w) => [w.base.key, { ...w.base, services: [...w.services].sort(), workloads: [...w.workloads].sort() }] as const),
      previous?.waypoints,
    ),
    policies: keyed(policies, previous?.policies),
    requestAuthentications: keyed(k.requestAuthentications.map((r) => meshRequestAuthentication(pctx, r)).map((r) => [r.key, r] as const), previous?.requestAuthentications),
    httpRoutes: keyed(k.routes.map((r) => meshHttpRoute(pctx, r)).map((r) => [r.key, r] as const), previous?.httpRoutes),
    namespaces: sortedMap(namespaces),
  };
}

/** Keys of the policies ztunnel enforces on a workload: global, its namespace's, and selector policies selecting it. */
export function policiesForWorkload(mesh: MeshSnapshot, uid: string): string[] {
  const w = mesh.workloads.get(uid);
  if (!w) return [];
  const out: string[] = [];
  for (const p of mesh.policies.values()) {
    if (p.scope.kind === 'global' || (p.scope.kind === 'namespace' && p.scope.namespace === w.namespace)) out.push(p.key);
  }
  out.push(...w.selectorPolicies);
  return out.sort();
}
