/**
 * Workload drafts from Pods, WorkloadEntries, ServiceEntry inline endpoints and (local mode) waypoint Gateways
 * without pods. Drafts are mutable while services and policies fill in `services` and `selectorPolicies`.
 */
import { isIP } from 'node:net';
import { LABELS, spiffeId } from '../constants.js';
import type { GatewayObject, Labels, NodeObject, PodObject, ServiceEntryObject, WorkloadEntryObject, WorkloadEntrySpec } from './objects.js';
import type { MeshOptions, WaypointRef, Workload, WorkloadPort } from './mesh.js';
import { resolveWaypoint, waypointRef, type WaypointDraft } from './build-waypoints.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface WorkloadDraft extends Mutable<Omit<Workload, 'services' | 'selectorPolicies'>> {
  /** [service key, ports] in the order found; sorted by key when finished. */
  services: [string, readonly WorkloadPort[]][];
  selectorPolicies: string[];
  /** Named ports for resolving a Service's named targetPort (container ports; WorkloadEntry `ports`). */
  readonly namedPorts: Readonly<Record<string, number>>;
  /** Selectable by Service/ServiceEntry selectors (false for ServiceEntry inline endpoints and synthetic waypoints). */
  readonly selectable: boolean;
}

export interface WorkloadContext {
  readonly options: MeshOptions;
  readonly namespaces: ReadonlyMap<string, Labels>;
  readonly nodes: ReadonlyMap<string, NodeObject>;
  readonly waypoints: ReadonlyMap<string, WaypointDraft>;
}

const CANONICAL_NAME = [LABELS.canonicalName, 'app.kubernetes.io/name', 'app'] as const;
const CANONICAL_REVISION = [LABELS.canonicalRevision, 'app.kubernetes.io/version', 'version'] as const;

function firstLabel(labels: Labels, keys: readonly string[]): string | undefined {
  for (const k of keys) if (labels[k]) return labels[k];
  return undefined;
}

/** Ambient enrolment: pod label beats namespace label; `none` on the pod opts out. */
export function isCaptured(labels: Labels, nsLabels: Labels | undefined): boolean {
  const own = labels[LABELS.dataplaneMode];
  if (own !== undefined) return own === 'ambient';
  return nsLabels?.[LABELS.dataplaneMode] === 'ambient';
}

interface CommonInput {
  readonly uid: string;
  readonly kind: Workload['kind'];
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly addresses: readonly string[];
  readonly node: string;
  readonly serviceAccount: string;
  readonly network: string;
  readonly healthy: boolean;
  readonly workloadName: string;
  readonly namedPorts: Readonly<Record<string, number>>;
  readonly selectable: boolean;
  /** Set for waypoint workloads: they never get a waypoint and are not captured. */
  readonly waypointFor?: string | undefined;
  /** undefined = decided by the dataplane-mode labels. */
  readonly captured?: boolean | undefined;
}

function draft(ctx: WorkloadContext, w: CommonInput): WorkloadDraft {
  const nsLabels = ctx.namespaces.get(w.namespace);
  const nodeAddress = w.node ? ctx.nodes.get(w.node)?.spec.internalIP : undefined;
  const wp = w.waypointFor === undefined ? resolveWaypoint(ctx.waypoints, w.labels, w.namespace, nsLabels, 'workload') : undefined;
  if (wp) wp.workloads.push(w.uid);
  const { trustDomain } = ctx.options;
  const d: WorkloadDraft = {
    uid: w.uid,
    kind: w.kind,
    name: w.name,
    namespace: w.namespace,
    labels: w.labels,
    addresses: w.addresses,
    node: w.node,
    serviceAccount: w.serviceAccount,
    identity: spiffeId(trustDomain, w.namespace, w.serviceAccount),
    trustDomain,
    network: w.network,
    captured: w.captured ?? (w.waypointFor === undefined && isCaptured(w.labels, nsLabels)),
    healthy: w.healthy,
    canonicalName: firstLabel(w.labels, CANONICAL_NAME) ?? w.workloadName,
    canonicalRevision: firstLabel(w.labels, CANONICAL_REVISION) ?? 'latest',
    workloadName: w.workloadName,
    services: [],
    selectorPolicies: [],
    namedPorts: w.namedPorts,
    selectable: w.selectable,
  };
  // Optional fields are set only when present (exactOptionalPropertyTypes; keeps equality checks exact).
  if (nodeAddress) d.nodeAddress = nodeAddress;
  if (wp) d.waypoint = waypointRef(wp);
  if (w.waypointFor !== undefined) d.waypointFor = w.waypointFor;
  return d;
}

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
  if (!sameStrings(d.addresses, p.addresses) || !sameRecord(d.labels, p.labels) || !sameWaypoint(d.waypoint, p.waypoint)) return false;
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
  return w;
}

/** Pods that are running (not Succeeded/Failed) and have an IP. */
export function podWorkload(ctx: WorkloadContext, pod: PodObject): WorkloadDraft | undefined {
  const { spec, metadata } = pod;
  if (spec.phase === 'Succeeded' || spec.phase === 'Failed' || spec.podIPs.length === 0) return undefined;
  const namedPorts: Record<string, number> = {};
  for (const p of spec.ports) if (p.name) namedPorts[p.name] = p.containerPort;
  const gateway = metadata.labels[LABELS.gatewayName];
  const waypointFor = gateway !== undefined && ctx.waypoints.has(`${metadata.namespace}/${gateway}`) ? `${metadata.namespace}/${gateway}` : undefined;
  const sidecar = metadata.annotations['sidecar.istio.io/status'] !== undefined;
  return draft(ctx, {
    uid: `${ctx.options.clusterId}//Pod/${metadata.namespace}/${metadata.name}`,
    kind: 'Pod',
    name: metadata.name,
    namespace: metadata.namespace,
    labels: metadata.labels,
    addresses: spec.podIPs,
    node: spec.nodeName,
    serviceAccount: spec.serviceAccountName,
    network: '',
    healthy: spec.ready,
    workloadName: metadata.labels.app ?? metadata.name,
    namedPorts,
    selectable: true,
    waypointFor,
    // Waypoint pods are dataplane-mode none; hostNetwork and sidecar-injected pods are never captured.
    captured: waypointFor !== undefined || spec.hostNetwork || sidecar ? false : undefined,
  });
}

function entryInput(spec: WorkloadEntrySpec, nodeFallback: string): Pick<CommonInput, 'addresses' | 'node' | 'serviceAccount' | 'network' | 'namedPorts'> {
  return {
    addresses: isIP(spec.address) ? [spec.address] : [],
    node: spec.nodeName ?? nodeFallback,
    serviceAccount: spec.serviceAccount,
    network: spec.network,
    namedPorts: spec.ports,
  };
}

const NODE_ANNOTATION = 'ambit.dev/node-name';

export function workloadEntryWorkload(ctx: WorkloadContext, we: WorkloadEntryObject): WorkloadDraft {
  const { metadata, spec } = we;
  const labels = { ...metadata.labels, ...spec.labels };
  return draft(ctx, {
    uid: `${ctx.options.clusterId}/networking.istio.io/WorkloadEntry/${metadata.namespace}/${metadata.name}`,
    kind: 'WorkloadEntry',
    name: metadata.name,
    namespace: metadata.namespace,
    labels,
    ...entryInput(spec, metadata.annotations[NODE_ANNOTATION] ?? ''),
    healthy: true,
    workloadName: labels.app ?? metadata.name,
    selectable: true,
  });
}

/** One workload per inline endpoint of a ServiceEntry. */
export function serviceEntryWorkloads(ctx: WorkloadContext, se: ServiceEntryObject): WorkloadDraft[] {
  const { metadata } = se;
  return se.spec.endpoints.map((ep) =>
    draft(ctx, {
      uid: `${ctx.options.clusterId}/networking.istio.io/ServiceEntry/${metadata.namespace}/${metadata.name}/${ep.address}`,
      kind: 'ServiceEntryEndpoint',
      name: metadata.name,
      namespace: metadata.namespace,
      labels: ep.labels,
      ...entryInput(ep, ''),
      healthy: true,
      workloadName: metadata.name,
      selectable: false,
    }),
  );
}

/**
 * Local mode has no waypoint pods: the waypoint's own workload comes from the Gateway (address spec.addresses[0],
 * service account = gateway's, node ''), so ztunnels can route HBONE to it.
 */
export function gatewayWorkload(ctx: WorkloadContext, gw: GatewayObject, wp: WaypointDraft): WorkloadDraft | undefined {
  const address = wp.base.address;
  if (address === undefined || !isIP(address)) return undefined;
  const { metadata } = gw;
  return draft(ctx, {
    uid: `${ctx.options.clusterId}/gateway.networking.k8s.io/Gateway/${metadata.namespace}/${metadata.name}`,
    kind: 'Pod',
    name: metadata.name,
    namespace: metadata.namespace,
    labels: { [LABELS.gatewayName]: metadata.name, [LABELS.canonicalName]: metadata.name, [LABELS.canonicalRevision]: 'latest' },
    addresses: [address],
    node: '',
    serviceAccount: wp.base.serviceAccount,
    network: '',
    healthy: true,
    workloadName: metadata.name,
    namedPorts: {},
    selectable: false,
    waypointFor: wp.base.key,
    captured: false,
  });
}
