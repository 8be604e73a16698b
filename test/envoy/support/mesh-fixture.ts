/** Hand-built MeshSnapshots for waypoint tests (one waypoint, Services with workloads on fake nodes, HTTPRoutes). */
import { DEFAULT_TRUST_DOMAIN, spiffeId } from '../../../src/shared/constants.js';
import type { MeshHttpRoute, MeshPolicy, MeshService, MeshSnapshot, MeshWaypoint, Workload } from '../../../src/shared/model/mesh.js';
import type { HTTPRouteObject, HTTPRouteRule } from '../../../src/shared/model/objects.js';

export interface ServiceFixture {
  readonly name: string;
  readonly namespace?: string;
  readonly vip: string;
  readonly ports: readonly { port: number; targetPort: number; appProtocol?: string; name?: string }[];
  /** Workloads: pod IP + the node (fake ztunnel) address serving it. */
  readonly endpoints: readonly { name: string; ip: string; nodeAddress: string; captured?: boolean }[];
  /** Bound to the waypoint (istio.io/use-waypoint); default true. */
  readonly bound?: boolean;
}

export interface MeshFixture {
  readonly version: number;
  readonly waypoint: { namespace: string; name: string; address: string };
  readonly services: readonly ServiceFixture[];
  readonly routes?: readonly HTTPRouteObject[];
  readonly policies?: readonly MeshPolicy[];
  /** Workload names bound to the waypoint as workloads (`istio.io/waypoint-for: workload|all`). */
  readonly boundWorkloads?: readonly string[];
}

export function httpRoute(namespace: string, name: string, parent: string, rules: readonly Partial<HTTPRouteRule>[], annotations: Record<string, string> = {}): HTTPRouteObject {
  return {
    kind: 'HTTPRoute',
    apiVersion: 'gateway.networking.k8s.io/v1',
    metadata: { name, namespace, labels: {}, annotations },
    origin: { source: 'test' },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: parent }],
      hostnames: [],
      rules: rules.map((r) => ({ matches: [], filters: [], backendRefs: [], ...r })),
    },
  };
}

/** A backendRef to a core Service. */
export function backend(name: string, port: number, weight = 1): HTTPRouteRule['backendRefs'][number] {
  return { group: '', kind: 'Service', name, port, weight, filters: [] };
}

export function buildTestMesh(f: MeshFixture): MeshSnapshot {
  const td = DEFAULT_TRUST_DOMAIN;
  const wpKey = `${f.waypoint.namespace}/${f.waypoint.name}`;
  const wpRef = { namespace: f.waypoint.namespace, name: f.waypoint.name, address: f.waypoint.address, hbonePort: 15008 };
  const services = new Map<string, MeshService>();
  const workloads = new Map<string, Workload>();
  for (const s of f.services) {
    const ns = s.namespace ?? 'default';
    const hostname = `${s.name}.${ns}.svc.cluster.local`;
    const key = `${ns}/${hostname}`;
    const uids: string[] = [];
    for (const e of s.endpoints) {
      const uid = `Kubernetes//Pod/${ns}/${e.name}`;
      uids.push(uid);
      const prior = workloads.get(uid);
      workloads.set(uid, {
        uid, kind: 'Pod', name: e.name, namespace: ns, labels: { app: s.name }, addresses: [e.ip], node: `node-${e.nodeAddress}`,
        nodeAddress: e.nodeAddress, serviceAccount: s.name, identity: spiffeId(td, ns, s.name), trustDomain: td, network: '',
        captured: e.captured ?? true, healthy: true, canonicalName: s.name, canonicalRevision: 'latest', workloadName: e.name,
        services: { ...(prior?.services ?? {}), [key]: s.ports.map((p) => ({ servicePort: p.port, targetPort: p.targetPort })) },
        selectorPolicies: [],
      });
    }
    services.set(key, {
      kind: 'Service', name: s.name, namespace: ns, hostname, key, vips: [s.vip], labels: {}, endpoints: uids, subjectAltNames: [],
      ports: s.ports.map((p) => ({ port: p.port, targetPort: p.targetPort, numericTargetPort: p.targetPort, protocol: 'TCP' as const, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}), ...(p.name ? { name: p.name } : {}) })),
      ...(s.bound === false ? {} : { waypoint: wpRef }),
    });
  }
  const waypoint: MeshWaypoint = {
    name: f.waypoint.name, namespace: f.waypoint.namespace, key: wpKey, address: f.waypoint.address, for: 'service',
    serviceAccount: f.waypoint.name, identity: spiffeId(td, f.waypoint.namespace, f.waypoint.name),
    services: [...services.values()].filter((s) => s.waypoint).map((s) => s.key),
    workloads: [...workloads.values()].filter((w) => f.boundWorkloads?.includes(w.name)).map((w) => w.uid),
    problems: [], annotations: {},
  };
  const httpRoutes = new Map<string, MeshHttpRoute>();
  for (const r of f.routes ?? []) {
    const key = `${r.metadata.namespace}/${r.metadata.name}`;
    const parents = r.spec.parentRefs.map((p) => `${p.namespace ?? r.metadata.namespace}/${p.name}.${p.namespace ?? r.metadata.namespace}.svc.cluster.local`);
    httpRoutes.set(key, { key, object: r, parentServices: parents.filter((p) => services.has(p)) });
  }
  return {
    version: f.version,
    options: { trustDomain: td, rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' },
    nodes: new Map(), workloads, services, waypoints: new Map([[wpKey, waypoint]]),
    policies: new Map((f.policies ?? []).map((p) => [p.key, p])), requestAuthentications: new Map(), httpRoutes, namespaces: new Map(),
  };
}
