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
  /** Called (asynchronously, once per burst) after changes: fetch certificates for new local identities, re-check connections. */
  onChange(listener: () => void): () => void;
  /** Counts changes, synchronously: equal values before and after an await mean nothing changed in between. */
  generation(): number;
}

export function createStateStore(config: StateStoreConfig): StateStore {
  const workloads = new Map<string, ZWorkload>();
  const services = new Map<string, ZService>();
  const policies = new Map<string, ZPolicy>();
  // Indexes maintained per change (a full WDS push of 10k workloads must not re-index 10k times).
  const byIp = new Map<string, ZWorkload>();
  const byVip = new Map<string, ZService>();
  const byHostname = new Map<string, ZService>();
  const endpoints = new Map<string, Set<string>>();
  const listeners = new Set<() => void>();
  let notifyScheduled = false;
  let generation = 0;
  // Listeners run once per burst of changes (one WDS response), after it is fully applied.
  const changed = (): void => {
    generation++;
    if (notifyScheduled) return;
    notifyScheduled = true;
    queueMicrotask(() => {
      notifyScheduled = false;
      listeners.forEach((l) => l());
    });
  };

  const unindexWorkload = (w: ZWorkload): void => {
    for (const a of w.addresses) if (byIp.get(a)?.uid === w.uid) byIp.delete(a);
    for (const key of Object.keys(w.services)) endpoints.get(key)?.delete(w.uid);
  };
  const indexWorkload = (w: ZWorkload): void => {
    for (const a of w.addresses) byIp.set(a, w);
    for (const key of Object.keys(w.services)) {
      const set = endpoints.get(key) ?? new Set<string>();
      set.add(w.uid);
      endpoints.set(key, set);
    }
  };
  const unindexService = (s: ZService): void => {
    for (const v of s.vips) if (byVip.get(v)?.key === s.key) byVip.delete(v);
    if (byHostname.get(s.hostname)?.key === s.key) byHostname.delete(s.hostname);
  };
  const indexService = (s: ZService): void => {
    for (const v of s.vips) byVip.set(v, s);
    byHostname.set(s.hostname, s);
  };

  const isLocal = (w: ZWorkload): boolean => w.node === config.nodeName && config.nodeName !== '';

  return {
    upsertWorkload(w) {
      const old = workloads.get(w.uid);
      if (old) unindexWorkload(old);
      workloads.set(w.uid, w);
      indexWorkload(w);
      changed();
    },
    upsertService(s) {
      const old = services.get(s.key);
      if (old) unindexService(old);
      services.set(s.key, s);
      indexService(s);
      changed();
    },
    removeAddress(name) {
      const w = workloads.get(name);
      if (w) {
        unindexWorkload(w);
        workloads.delete(name);
        changed();
        return;
      }
      const s = services.get(name);
      if (s) {
        unindexService(s);
        services.delete(name);
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
      const uids = [...(endpoints.get(serviceKey) ?? [])].sort();
      return uids.map((u) => workloads.get(u)).filter((w): w is ZWorkload => w !== undefined);
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
    generation: () => generation,
  };
}
