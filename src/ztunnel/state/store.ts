/**
 * The ztunnel's state: workloads, services and policies (fed from WDS or directly by tests), with the lookups the
 * proxy needs: by IP, by hostname, endpoints of a service, policies that apply to a workload.
 */
import type { ZPolicy, ZService, ZWorkload } from './types.js';
import { normalizeIp } from './ip.js';

export interface StateStoreConfig {
  /** This ztunnel's node name: workloads with `node` equal to it are local. */
  readonly nodeName: string;
  /** Node name → address, for workloads whose WDS entry carries no node address. */
  readonly nodeAddresses?: ReadonlyMap<string, string>;
}

export interface StateStore {
  upsertWorkload(w: ZWorkload): void;
  upsertService(s: ZService): void;
  /** Removes a workload (by uid) or service (by `<ns>/<hostname>`) by WDS resource name. */
  removeAddress(name: string): void;
  upsertPolicy(p: ZPolicy): void;
  removePolicy(key: string): void;
  workloadByIp(ip: string): ZWorkload | undefined;
  /** The workload with that IP, if it runs on this node. */
  localWorkloadByIp(ip: string): ZWorkload | undefined;
  serviceByVip(ip: string): ZService | undefined;
  serviceByHostname(hostname: string): ZService | undefined;
  serviceByKey(key: string): ZService | undefined;
  /** Workloads backing a service, in uid order. */
  endpointsOf(serviceKey: string): ZWorkload[];
  /** GLOBAL + NAMESPACE (same namespace) + selector policies listed on the workload. */
  policiesFor(w: ZWorkload): ZPolicy[];
  /** Where HBONE to this workload dials (its node's ztunnel); undefined when unknown. */
  nodeAddressOf(w: ZWorkload): string | undefined;
  isLocal(w: ZWorkload): boolean;
  localWorkloads(): ZWorkload[];
  workloads(): ZWorkload[];
  services(): ZService[];
  policies(): ZPolicy[];
  /** Called after every change (e.g. to fetch certificates for new local identities, re-check connections). */
  onChange(listener: () => void): () => void;
}

export function createStateStore(config: StateStoreConfig): StateStore {
  const workloads = new Map<string, ZWorkload>();
  const services = new Map<string, ZService>();
  const policies = new Map<string, ZPolicy>();
  const byIp = new Map<string, ZWorkload>();
  const byVip = new Map<string, ZService>();
  const byHostname = new Map<string, ZService>();
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((l) => l());

  const reindex = (): void => {
    byIp.clear();
    byVip.clear();
    byHostname.clear();
    for (const w of workloads.values()) for (const a of w.addresses) byIp.set(a, w);
    for (const s of services.values()) {
      for (const v of s.vips) byVip.set(v, s);
      byHostname.set(s.hostname, s);
    }
  };

  const isLocal = (w: ZWorkload): boolean => w.node === config.nodeName && config.nodeName !== '';

  return {
    upsertWorkload(w) {
      workloads.set(w.uid, w);
      reindex();
      changed();
    },
    upsertService(s) {
      services.set(s.key, s);
      reindex();
      changed();
    },
    removeAddress(name) {
      if (workloads.delete(name) || services.delete(name)) {
        reindex();
        changed();
      }
    },
    upsertPolicy(p) {
      policies.set(p.key, p);
      changed();
    },
    removePolicy(key) {
      if (policies.delete(key)) changed();
    },
    workloadByIp: (ip) => byIp.get(normalizeIp(ip)),
    localWorkloadByIp(ip) {
      const w = byIp.get(normalizeIp(ip));
      return w && isLocal(w) ? w : undefined;
    },
    serviceByVip: (ip) => byVip.get(normalizeIp(ip)),
    serviceByHostname: (h) => byHostname.get(h.toLowerCase()) ?? byHostname.get(h),
    serviceByKey: (k) => services.get(k),
    endpointsOf(serviceKey) {
      return [...workloads.values()].filter((w) => w.services[serviceKey] !== undefined).sort((a, b) => (a.uid < b.uid ? -1 : 1));
    },
    policiesFor(w) {
      const selected = new Set(w.authorizationPolicies);
      return [...policies.values()].filter(
        (p) => p.scope === 'GLOBAL' || (p.scope === 'NAMESPACE' && p.namespace === w.namespace) || (p.scope === 'WORKLOAD_SELECTOR' && selected.has(p.key)),
      );
    },
    nodeAddressOf: (w) => w.nodeAddress ?? config.nodeAddresses?.get(w.node),
    isLocal,
    localWorkloads: () => [...workloads.values()].filter(isLocal),
    workloads: () => [...workloads.values()],
    services: () => [...services.values()],
    policies: () => [...policies.values()],
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
