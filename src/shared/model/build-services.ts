/**
 * MeshServices from Kubernetes Services (endpoints by selector, named targetPort resolved per workload) and from
 * ServiceEntries (one MeshService per host; inline endpoints or workloadSelector). Fills each endpoint workload's
 * `services` port map and binds services to waypoints.
 */
import { isIP } from 'node:net';
import { LABELS } from '../constants.js';
import type { Labels, ServiceEntryObject, ServiceObject } from './objects.js';
import type { MeshLoadBalancing, MeshOptions, MeshService, MeshServicePort, WorkloadPort } from './mesh.js';
import type { LabelIndex } from './label-index.js';
import { resolveWaypoint, waypointRef, type WaypointDraft } from './build-waypoints.js';
import type { WorkloadDraft } from './build-workloads.js';

export interface ServiceContext {
  readonly options: MeshOptions;
  readonly namespaces: ReadonlyMap<string, Labels>;
  /** Namespace annotations (traffic-distribution default). */
  readonly namespaceAnnotations: ReadonlyMap<string, Labels>;
  readonly waypoints: ReadonlyMap<string, WaypointDraft>;
  readonly index: LabelIndex<WorkloadDraft>;
}

const TRAFFIC_DISTRIBUTION_ANNOTATION = 'networking.istio.io/traffic-distribution';
const INGRESS_USE_WAYPOINT = 'istio.io/ingress-use-waypoint';

function kubeLoadBalancing(svc: ServiceObject, nsAnnotations: Labels | undefined): MeshLoadBalancing | undefined {
  const { spec, metadata } = svc;
  const healthPolicy = spec.publishNotReadyAddresses ? ({ healthPolicy: 'ALLOW_ALL' } as const) : {};
  if (spec.internalTrafficPolicy === 'Local') return { routingPreference: ['NODE'], mode: 'STRICT', ...healthPolicy };
  const distribution = spec.trafficDistribution ?? metadata.annotations[TRAFFIC_DISTRIBUTION_ANNOTATION] ?? nsAnnotations?.[TRAFFIC_DISTRIBUTION_ANNOTATION];
  if (distribution === 'PreferClose' || distribution === 'PreferSameZone') {
    return { routingPreference: ['NETWORK', 'REGION', 'ZONE'], mode: 'FAILOVER', ...healthPolicy };
  }
  if (distribution === 'PreferSameNode') return { routingPreference: ['NETWORK', 'REGION', 'ZONE', 'SUBZONE', 'NODE'], mode: 'FAILOVER', ...healthPolicy };
  return spec.publishNotReadyAddresses ? { routingPreference: [], healthPolicy: 'ALLOW_ALL' } : undefined;
}

function ingressUseWaypoint(labels: Labels, nsLabels: Labels | undefined): Pick<MeshService, 'ingressUseWaypoint'> {
  const v = labels[INGRESS_USE_WAYPOINT] ?? nsLabels?.[INGRESS_USE_WAYPOINT];
  return v === 'true' ? { ingressUseWaypoint: true } : {};
}

export function serviceHostname(name: string, namespace: string, domainSuffix: string): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

function byUid(a: WorkloadDraft, b: WorkloadDraft): number {
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

function bindWaypoint(ctx: ServiceContext, labels: Labels, namespace: string, key: string): Pick<MeshService, 'waypoint'> {
  // A waypoint's own Service never gets a waypoint.
  if (labels[LABELS.gatewayName] !== undefined) return {};
  const wp = resolveWaypoint(ctx.waypoints, labels, namespace, ctx.namespaces.get(namespace), 'service');
  if (!wp) return {};
  wp.services.push(key);
  return { waypoint: waypointRef(wp) };
}

/**
 * Port mappings per workload, shared between workloads that resolve to the same targets (all of them when target
 * ports are numeric) to keep allocation low at 10k workloads.
 */
function createPortResolver(ports: readonly MeshServicePort[]): (w: WorkloadDraft) => readonly WorkloadPort[] {
  const shared = new Map<string, readonly WorkloadPort[]>();
  const numericOnly = ports.every((p) => typeof p.targetPort === 'number');
  const targetOf = (p: MeshServicePort, w: WorkloadDraft): number | undefined => {
    // WorkloadEntry `ports` are keyed by service port name and override the target port (Istio); container ports
    // only resolve a named targetPort.
    const byName = w.kind !== 'Pod' && p.name !== undefined ? w.namedPorts[p.name] : undefined;
    if (byName !== undefined) return byName;
    return typeof p.targetPort === 'number' ? p.targetPort : w.namedPorts[p.targetPort];
  };
  const build = (w: WorkloadDraft): WorkloadPort[] => {
    const list: WorkloadPort[] = [];
    for (const p of ports) {
      const target = targetOf(p, w);
      if (target === undefined) continue; // named port the workload does not expose
      list.push(p.appProtocol ? { servicePort: p.port, targetPort: target, appProtocol: p.appProtocol } : { servicePort: p.port, targetPort: target });
    }
    return list;
  };
  return (w) => {
    let cacheKey = '';
    if (!numericOnly || w.kind !== 'Pod') for (const p of ports) cacheKey += `${targetOf(p, w) ?? '-'},`;
    let out = shared.get(cacheKey);
    if (!out) shared.set(cacheKey, (out = build(w)));
    return out;
  };
}

export function kubeService(ctx: ServiceContext, svc: ServiceObject): MeshService {
  const { metadata, spec } = svc;
  const hostname = serviceHostname(metadata.name, metadata.namespace, ctx.options.domainSuffix);
  const key = `${metadata.namespace}/${hostname}`;
  const ports: MeshServicePort[] = spec.ports.map((p) => (typeof p.targetPort === 'number' ? { ...p, numericTargetPort: p.targetPort } : p));
  const selected = spec.selector && Object.keys(spec.selector).length > 0 ? ctx.index.select(spec.selector, metadata.namespace) : [];
  const endpoints: string[] = [];
  const lb = kubeLoadBalancing(svc, ctx.namespaceAnnotations.get(metadata.namespace));
  const portsFor = createPortResolver(ports);
  for (const w of selected) {
    if (!w.selectable) continue;
    w.services.push([key, portsFor(w)]);
    endpoints.push(w.uid);
  }
  endpoints.sort();
  return {
    kind: 'Service',
    name: metadata.name,
    namespace: metadata.namespace,
    hostname,
    key,
    vips: spec.clusterIPs,
    ports,
    labels: metadata.labels,
    endpoints,
    ...bindWaypoint(ctx, metadata.labels, metadata.namespace, key),
    subjectAltNames: [],
    ...(lb ? { loadBalancing: lb } : {}),
    ...ingressUseWaypoint(metadata.labels, ctx.namespaces.get(metadata.namespace)),
  };
}

/** One MeshService per host. `inline` are the drafts made from this entry's own endpoints. */
export function serviceEntryServices(ctx: ServiceContext, se: ServiceEntryObject, inline: readonly WorkloadDraft[]): MeshService[] {
  const { metadata, spec } = se;
  const ports: MeshServicePort[] = spec.ports.map((p) => {
    const target = p.targetPort ?? p.number;
    return { name: p.name, port: p.number, targetPort: target, numericTargetPort: target, protocol: 'TCP', appProtocol: p.protocol.toLowerCase() };
  });
  const members = spec.workloadSelector
    ? ctx.index.select(spec.workloadSelector.matchLabels, metadata.namespace).filter((w) => w.selectable)
    : inline;
  const sorted = [...members].sort(byUid);
  const vips = spec.addresses.filter((a) => isIP(a) !== 0);
  return spec.hosts.map((host) => {
    const key = `${metadata.namespace}/${host}`;
    for (const w of sorted) {
      // Inline endpoints map ports by port name (`ports: {http: 8080}`), as WorkloadEntry does.
      w.services.push([
        key,
        spec.ports.map((p) => ({
          servicePort: p.number,
          targetPort: (w.kind !== 'Pod' ? w.namedPorts[p.name] : undefined) ?? p.targetPort ?? p.number,
          appProtocol: p.protocol.toLowerCase(),
        })),
      ]);
    }
    return {
      kind: 'ServiceEntry' as const,
      name: metadata.name,
      namespace: metadata.namespace,
      hostname: host,
      key,
      vips,
      ports,
      labels: metadata.labels,
      endpoints: sorted.map((w) => w.uid),
      ...bindWaypoint(ctx, metadata.labels, metadata.namespace, key),
      subjectAltNames: spec.subjectAltNames,
      ...(spec.resolution === 'NONE' ? { loadBalancing: { routingPreference: [], mode: 'PASSTHROUGH' as const, healthPolicy: 'ALLOW_ALL' as const } } : {}),
      ...ingressUseWaypoint(metadata.labels, ctx.namespaces.get(metadata.namespace)),
    };
  });
}
