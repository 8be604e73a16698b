/**
 * What the brain knows about workloads and services (from WDS `istio.workload.Address` resources) to label Istio
 * metrics and to find the service behind a destination VIP. Fed with already-decoded plain values so it does not
 * depend on the wire codec.
 */

export interface WorkloadInfo {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly workloadName: string;
  readonly serviceAccount: string;
  readonly trustDomain: string;
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  readonly addresses: readonly string[];
}

export interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly vips: readonly string[];
}

export interface WorkloadIndex {
  workloadByIp(ip: string): WorkloadInfo | undefined;
  serviceByVip(ip: string): ServiceInfo | undefined;
  serviceByHost(host: string): ServiceInfo | undefined;
  /** Applies one update; `removed` are resource names (workload uid, or `<ns>/<hostname>` for services). */
  update(added: readonly { readonly name: string; readonly workload?: WorkloadInfo; readonly service?: ServiceInfo }[], removed: readonly string[]): void;
}

export function serviceKey(s: ServiceInfo): string {
  return `${s.namespace}/${s.hostname}`;
}

export function createWorkloadIndex(): WorkloadIndex {
  const workloads = new Map<string, WorkloadInfo>();
  const services = new Map<string, ServiceInfo>();
  let byIp = new Map<string, WorkloadInfo>();
  let byVip = new Map<string, ServiceInfo>();
  let byHost = new Map<string, ServiceInfo>();
  const reindex = (): void => {
    byIp = new Map([...workloads.values()].flatMap((w) => w.addresses.map((a) => [a, w] as const)));
    byVip = new Map([...services.values()].flatMap((s) => s.vips.map((a) => [a, s] as const)));
    byHost = new Map([...services.values()].map((s) => [s.hostname, s] as const));
  };
  return {
    workloadByIp: (ip) => byIp.get(ip),
    serviceByVip: (ip) => byVip.get(ip),
    serviceByHost: (host) => byHost.get(host.replace(/:\d+$/, '').toLowerCase()),
    update(added, removed) {
      for (const name of removed) {
        workloads.delete(name);
        services.delete(name);
      }
      for (const a of added) {
        if (a.workload) workloads.set(a.name, a.workload);
        if (a.service) services.set(a.name, a.service);
      }
      reindex();
    },
  };
}
