/**
 * Hand-built MeshSnapshots for xDS tests and the benchmark (the real builder lives in src/shared/model/build-mesh.ts).
 * `withPod` etc. return a new snapshot and keep object identity for everything unchanged, as buildMesh does.
 */
import { spiffeId } from '../../src/shared/constants.js';
import type { AuthorizationPolicySpec } from '../../src/shared/model/objects.js';
import type { MeshPolicy, MeshService, MeshSnapshot, PolicyScope, Workload } from '../../src/shared/model/mesh.js';

export const OPTIONS = { trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' };

export function pod(name: string, ip: string, extra: Partial<Workload> = {}): Workload {
  const namespace = extra.namespace ?? 'default';
  const sa = extra.serviceAccount ?? 'default';
  return {
    uid: `Kubernetes//Pod/${namespace}/${name}`,
    kind: 'Pod',
    name,
    namespace,
    labels: { app: name },
    addresses: [ip],
    node: 'node-a',
    nodeAddress: '127.0.42.11',
    serviceAccount: sa,
    identity: spiffeId('cluster.local', namespace, sa),
    trustDomain: 'cluster.local',
    network: '',
    captured: true,
    healthy: true,
    canonicalName: name,
    canonicalRevision: 'latest',
    workloadName: name,
    services: {},
    selectorPolicies: [],
    ...extra,
  };
}

export function service(name: string, vip: string, extra: Partial<MeshService> = {}): MeshService {
  const namespace = extra.namespace ?? 'default';
  const hostname = `${name}.${namespace}.svc.cluster.local`;
  return {
    kind: 'Service',
    name,
    namespace,
    hostname,
    key: `${namespace}/${hostname}`,
    vips: [vip],
    ports: [{ name: 'http', port: 80, targetPort: 8080, numericTargetPort: 8080, protocol: 'TCP', appProtocol: 'http' }],
    labels: {},
    endpoints: [],
    subjectAltNames: [],
    ...extra,
  };
}

export function policy(
  namespace: string,
  name: string,
  spec: Partial<AuthorizationPolicySpec>,
  opts: { scope?: PolicyScope; dryRun?: boolean } = {},
): MeshPolicy {
  const scope: PolicyScope =
    opts.scope ?? (namespace === 'istio-system' ? { kind: 'global' } : { kind: 'namespace', namespace });
  return {
    key: `${namespace}/${name}`,
    name,
    namespace,
    scope,
    dryRun: opts.dryRun ?? false,
    object: {
      kind: 'AuthorizationPolicy',
      apiVersion: 'security.istio.io/v1',
      metadata: { name, namespace, labels: {}, annotations: {} },
      spec: { targetRefs: [], action: 'ALLOW', ...spec },
      origin: { source: 'test' },
    },
    workloads: [],
    waypoints: [],
    services: [],
  };
}

export interface MeshParts {
  readonly workloads?: readonly Workload[];
  readonly services?: readonly MeshService[];
  readonly policies?: readonly MeshPolicy[];
}

export function mesh(version: number, parts: MeshParts): MeshSnapshot {
  return {
    version,
    options: OPTIONS,
    nodes: new Map([['node-a', { name: 'node-a', address: '127.0.42.11' }]]),
    workloads: new Map((parts.workloads ?? []).map((w) => [w.uid, w])),
    services: new Map((parts.services ?? []).map((s) => [s.key, s])),
    waypoints: new Map(),
    policies: new Map((parts.policies ?? []).map((p) => [p.key, p])),
    requestAuthentications: new Map(),
    httpRoutes: new Map(),
    namespaces: new Map(),
  };
}

/** Next version with `workloads`/`services`/`policies` replaced or added by key; `remove` drops keys of any map. */
export function evolve(prev: MeshSnapshot, change: MeshParts & { remove?: readonly string[] }): MeshSnapshot {
  const workloads = new Map(prev.workloads);
  const services = new Map(prev.services);
  const policies = new Map(prev.policies);
  for (const w of change.workloads ?? []) workloads.set(w.uid, w);
  for (const s of change.services ?? []) services.set(s.key, s);
  for (const p of change.policies ?? []) policies.set(p.key, p);
  for (const k of change.remove ?? []) {
    workloads.delete(k);
    services.delete(k);
    policies.delete(k);
  }
  return { ...prev, version: prev.version + 1, workloads, services, policies };
}

/** `n` pods spread over `s` services, 10.x addresses, for the benchmark. */
export function largeMesh(pods: number, services: number): MeshSnapshot {
  const svcs: MeshService[] = [];
  for (let i = 0; i < services; i++) svcs.push(service(`svc-${i}`, `10.96.${i >> 8}.${i & 255}`));
  const ws: Workload[] = [];
  for (let i = 0; i < pods; i++) {
    const s = svcs[i % services]!;
    ws.push(pod(`pod-${i}`, `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, {
      services: { [s.key]: [{ servicePort: 80, targetPort: 8080, appProtocol: 'http' }] },
    }));
  }
  return mesh(1, { workloads: ws, services: svcs });
}
