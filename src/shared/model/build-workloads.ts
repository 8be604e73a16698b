/**
 * Workload drafts from Pods, WorkloadEntries, ServiceEntry inline endpoints and (local mode) waypoint Gateways
 * without pods. Drafts are mutable while services and policies fill in `services` and `selectorPolicies`.
 */
import { isIP } from 'node:net';
import { LABELS, spiffeId } from '../constants.js';
import type { GatewayObject, Labels, NodeObject, PodObject, ServiceEntryObject, WorkloadEntryObject, WorkloadEntrySpec } from './objects.js';
import type { Locality, MeshOptions, Workload, WorkloadPort } from './mesh.js';
import { resolveWaypoint, waypointRef, type WaypointDraft } from './build-waypoints.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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
  readonly locality?: Locality | undefined;
}

function locality(region: string, zone: string, subzone: string): Locality | undefined {
  return region || zone || subzone ? { region, zone, subzone } : undefined;
}

/** WorkloadEntry `locality` as istiod splits it: `region/zone/subzone`, parts after the third ignored. */
export function parseLocality(value: string | undefined): Locality | undefined {
  const [region = '', zone = '', subzone = ''] = (value ?? '').split('/');
  return locality(region, zone, subzone);
}

/**
 * A pod's locality as istiod's ambient index reads it: only its node's `topology.kubernetes.io/region` and `zone`
 * and `topology.istio.io/subzone` labels (no pod override, no deprecated beta labels).
 */
export function podLocality(node: NodeObject | undefined): Locality | undefined {
  const n = node?.metadata.labels ?? {};
  return locality(n[LABELS.region] ?? '', n[LABELS.zone] ?? '', n[LABELS.subzone] ?? '');
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
  if (w.locality) d.locality = w.locality;
  return d;
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
    locality: podLocality(ctx.nodes.get(spec.nodeName)),
  });
}

function entryInput(spec: WorkloadEntrySpec, nodeFallback: string): Pick<CommonInput, 'addresses' | 'node' | 'serviceAccount' | 'network' | 'namedPorts' | 'locality'> {
  return {
    locality: parseLocality(spec.locality),
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
