/**
 * Policy attachment, as istiod: no selector and no targetRefs → namespace-wide (mesh-wide in the root namespace);
 * selector → the selected workloads (any namespace when the policy lives in the root namespace); targetRefs →
 * waypoints (Gateway, Service/ServiceEntry bound to a waypoint, or GatewayClass istio-waypoint from the root namespace).
 * ztunnel ignores targetRefs policies; waypoints ignore selector and namespace-wide ones.
 */
import { ANNOTATIONS, WAYPOINT_GATEWAY_CLASS } from '../constants.js';
import type { AuthorizationPolicyObject, HTTPRouteObject, ObjectReference, RequestAuthenticationObject } from './objects.js';
import type { MeshHttpRoute, MeshOptions, MeshPolicy, MeshRequestAuthentication, MeshService, PolicyScope } from './mesh.js';
import type { LabelIndex } from './label-index.js';
import type { WorkloadDraft } from './build-workloads.js';
import type { WaypointDraft } from './build-waypoints.js';
import { serviceHostname } from './build-services.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ISTIO_NETWORKING_GROUP = 'networking.istio.io';

export interface PolicyContext {
  readonly options: MeshOptions;
  readonly index: LabelIndex<WorkloadDraft>;
  readonly waypoints: ReadonlyMap<string, WaypointDraft>;
  readonly services: ReadonlyMap<string, MeshService>;
  /** ServiceEntry `<ns>/<name>` → its service keys (one per host). */
  readonly serviceEntryKeys: ReadonlyMap<string, readonly string[]>;
}

/** Service keys a targetRef/parentRef names (same namespace unless the ref says otherwise and `allowCrossNs`). */
function refServiceKeys(ctx: PolicyContext, ref: ObjectReference, namespace: string): string[] {
  if ((ref.group === '' || ref.group === 'core') && ref.kind === 'Service') {
    const key = `${namespace}/${serviceHostname(ref.name, namespace, ctx.options.domainSuffix)}`;
    return ctx.services.has(key) ? [key] : [];
  }
  if (ref.group === ISTIO_NETWORKING_GROUP && ref.kind === 'ServiceEntry') return [...(ctx.serviceEntryKeys.get(`${namespace}/${ref.name}`) ?? [])];
  return [];
}

/** Resolves targetRefs to the waypoints that enforce them and the services they govern. */
export function resolveTargets(ctx: PolicyContext, refs: readonly ObjectReference[], namespace: string): { waypoints: string[]; services: string[] } {
  const waypoints = new Set<string>();
  const services = new Set<string>();
  for (const ref of refs) {
    // A cross-namespace targetRef never matches.
    if (ref.namespace !== undefined && ref.namespace !== namespace) continue;
    if (ref.group === GATEWAY_GROUP && ref.kind === 'Gateway') {
      if (ctx.waypoints.has(`${namespace}/${ref.name}`)) waypoints.add(`${namespace}/${ref.name}`);
    } else if (ref.group === GATEWAY_GROUP && ref.kind === 'GatewayClass') {
      if (ref.name === WAYPOINT_GATEWAY_CLASS && namespace === ctx.options.rootNamespace) for (const k of ctx.waypoints.keys()) waypoints.add(k);
    } else {
      for (const key of refServiceKeys(ctx, ref, namespace)) {
        services.add(key);
        const wp = ctx.services.get(key)?.waypoint;
        if (wp) waypoints.add(`${wp.namespace}/${wp.name}`);
      }
    }
  }
  return { waypoints: [...waypoints].sort(), services: [...services].sort() };
}

function scopeOf(ctx: PolicyContext, p: AuthorizationPolicyObject): PolicyScope {
  const { namespace } = p.metadata;
  if (p.spec.targetRefs.length > 0) {
    return { kind: 'targetRefs', namespace, refs: p.spec.targetRefs.map((r) => ({ kind: r.kind, group: r.group, name: r.name })) };
  }
  const matchLabels = p.spec.selector?.matchLabels;
  if (matchLabels && Object.keys(matchLabels).length > 0) return { kind: 'selector', namespace, matchLabels };
  return namespace === ctx.options.rootNamespace ? { kind: 'global' } : { kind: 'namespace', namespace };
}

function scopedWorkloads(ctx: PolicyContext, scope: PolicyScope): readonly WorkloadDraft[] {
  const root = ctx.options.rootNamespace;
  switch (scope.kind) {
    case 'global':
      return ctx.index.all();
    case 'namespace':
      return ctx.index.inNamespace(scope.namespace);
    case 'selector':
      return ctx.index.select(scope.matchLabels, scope.namespace === root ? undefined : scope.namespace);
    case 'targetRefs':
      return [];
  }
}

/** Builds one MeshPolicy; selector-scoped policies are also recorded on each selected workload draft. */
export function meshPolicy(ctx: PolicyContext, p: AuthorizationPolicyObject): MeshPolicy {
  const { name, namespace, annotations } = p.metadata;
  const key = `${namespace}/${name}`;
  const scope = scopeOf(ctx, p);
  const selected = scopedWorkloads(ctx, scope).filter((w) => w.waypointFor === undefined || scope.kind !== 'selector');
  if (scope.kind === 'selector') for (const w of selected) w.selectorPolicies.push(key);
  const targets = scope.kind === 'targetRefs' ? resolveTargets(ctx, p.spec.targetRefs, namespace) : { waypoints: [], services: [] };
  return {
    key,
    name,
    namespace,
    scope,
    dryRun: annotations[ANNOTATIONS.dryRun] === 'true',
    object: p,
    workloads: selected.map((w) => w.uid).sort(),
    waypoints: targets.waypoints,
    services: targets.services,
  };
}

export function meshRequestAuthentication(ctx: PolicyContext, ra: RequestAuthenticationObject): MeshRequestAuthentication {
  const { name, namespace } = ra.metadata;
  const targets = resolveTargets(ctx, ra.spec.targetRefs, namespace);
  return { key: `${namespace}/${name}`, object: ra, waypoints: targets.waypoints, services: targets.services };
}

/** GAMMA: parentRefs naming a Service (or ServiceEntry) make the route apply to that service's waypoint traffic. */
export function meshHttpRoute(ctx: PolicyContext, route: HTTPRouteObject): MeshHttpRoute {
  const { name, namespace } = route.metadata;
  const parents = new Set<string>();
  for (const ref of route.spec.parentRefs) {
    for (const key of refServiceKeys(ctx, ref, ref.namespace ?? namespace)) parents.add(key);
  }
  return { key: `${namespace}/${name}`, object: route, parentServices: [...parents].sort() };
}
