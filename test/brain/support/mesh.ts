/** Hand-built mesh snapshots for brain generator and xDS tests (only what the brain generators read). */
import type { MeshHttpRoute, MeshPolicy, MeshRequestAuthentication, MeshSnapshot, MeshWaypoint } from '../../../src/shared/model/mesh.js';
import type { AuthzRule, HTTPBackendRef, JwtRule } from '../../../src/shared/model/objects.js';

const meta = (namespace: string, name: string, annotations: Record<string, string> = {}) => ({ namespace, name, labels: {}, annotations });
const origin = { source: 'test' };
export const PRODUCTS = 'shop/products.shop.svc.cluster.local';

export function waypoint(namespace: string, name: string, services: string[], annotations: Record<string, string> = {}): MeshWaypoint {
  return {
    namespace, name, key: `${namespace}/${name}`, address: '127.0.30.20', for: 'service', serviceAccount: name,
    identity: `spiffe://cluster.local/ns/${namespace}/sa/${name}`, services, workloads: [], problems: [], annotations,
  };
}

export function policy(
  namespace: string,
  name: string,
  action: 'ALLOW' | 'DENY',
  rules: AuthzRule[] | undefined,
  o: { waypoints: string[]; services?: string[]; dryRun?: boolean },
): MeshPolicy {
  return {
    key: `${namespace}/${name}`, name, namespace, dryRun: o.dryRun ?? false, workloads: [], waypoints: o.waypoints, services: o.services ?? [],
    scope: { kind: 'targetRefs', namespace, refs: [] },
    object: {
      kind: 'AuthorizationPolicy', apiVersion: 'security.istio.io/v1', metadata: meta(namespace, name), origin,
      spec: { targetRefs: [], action, ...(rules ? { rules } : {}) },
    },
  };
}

export function requestAuthn(namespace: string, name: string, jwtRules: JwtRule[], waypoints: string[]): MeshRequestAuthentication {
  return {
    key: `${namespace}/${name}`, waypoints, services: [],
    object: { kind: 'RequestAuthentication', apiVersion: 'security.istio.io/v1', metadata: meta(namespace, name), origin, spec: { targetRefs: [], jwtRules } },
  };
}

export function stickyRoute(namespace: string, name: string, key: string, backends: [string, number][], parentServices: string[]): MeshHttpRoute {
  const backendRefs: HTTPBackendRef[] = backends.map(([n, weight]) => ({ group: '', kind: 'Service', name: n, port: 9080, weight, filters: [] }));
  return {
    key: `${namespace}/${name}`, parentServices,
    object: {
      kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', metadata: meta(namespace, name, { 'ambit.dev/sticky-key': key }), origin,
      spec: { parentRefs: [], hostnames: [], rules: [{ matches: [], filters: [], backendRefs }] },
    },
  };
}

export function mesh(version: number, parts: { waypoints: MeshWaypoint[]; policies?: MeshPolicy[]; ras?: MeshRequestAuthentication[]; routes?: MeshHttpRoute[] }): MeshSnapshot {
  const byKey = <T extends { key: string }>(xs: T[] = []) => new Map(xs.map((x) => [x.key, x] as const));
  return {
    version,
    options: { trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' },
    nodes: new Map(), workloads: new Map(), services: new Map(), namespaces: new Map(),
    waypoints: byKey(parts.waypoints), policies: byKey(parts.policies), requestAuthentications: byKey(parts.ras), httpRoutes: byKey(parts.routes),
  };
}
