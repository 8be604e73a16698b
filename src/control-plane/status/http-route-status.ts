/**
 * HTTPRoute status for GAMMA routes (parentRefs to Services): per parent, Accepted (the Service exists) and
 * ResolvedRefs (every backendRef names an existing Service port; the reason names what is wrong).
 */
import { translateHttpRoutes } from '../translate/envoy/http-route.js';
import type { MeshHttpRoute, MeshSnapshot } from '../../shared/model/mesh.js';
import type { ObjectReference } from '../../shared/model/objects.js';
import { condition, type Condition } from './conditions.js';

export interface RouteParentStatus {
  readonly parentRef: ObjectReference;
  readonly conditions: readonly Condition[];
}

export interface HttpRouteStatus {
  readonly key: string;
  readonly parents: readonly RouteParentStatus[];
}

export function httpRouteStatus(mesh: MeshSnapshot, route: MeshHttpRoute): HttpRouteStatus {
  const generation = route.object.metadata.generation;
  const { problems } = translateHttpRoutes(mesh, [route]);
  const resolved =
    problems.length === 0
      ? condition('ResolvedRefs', true, 'ResolvedRefs', 'all backendRefs resolved', generation)
      : condition('ResolvedRefs', false, problems[0]!.reason, problems.map((p) => p.message).join('; '), generation);
  const parents = route.object.spec.parentRefs.map((ref) => {
    const ns = ref.namespace ?? route.object.metadata.namespace;
    const service = ref.kind === 'Service' && ref.group === '' ? mesh.services.get(`${ns}/${ref.name}.${ns}.svc.${mesh.options.domainSuffix}`) : undefined;
    const accepted = service
      ? condition('Accepted', true, 'Accepted', service.waypoint ? `routes traffic through waypoint ${service.waypoint.namespace}/${service.waypoint.name}` : 'Service has no waypoint: the route takes effect once one is bound', generation)
      : condition('Accepted', false, 'NoMatchingParent', `parent ${ref.kind} ${ns}/${ref.name} not found (only core Services are supported as mesh parents)`, generation);
    return { parentRef: ref, conditions: [accepted, resolved] };
  });
  return { key: route.key, parents };
}

export function httpRouteStatuses(mesh: MeshSnapshot): HttpRouteStatus[] {
  return [...mesh.httpRoutes.values()].sort((a, b) => (a.key < b.key ? -1 : 1)).map((r) => httpRouteStatus(mesh, r));
}
