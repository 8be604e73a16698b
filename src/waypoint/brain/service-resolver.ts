/**
 * Which service a request is for, so service-scoped policies and sticky routes apply. In order: the destination
 * address (original destination VIP) in workload discovery; an IP-literal `:authority` (HBONE clients dial VIP:port)
 * in workload discovery; the `:authority` hostname among the services the policies name.
 */
import type { PolicyState } from './policy-state.js';
import { serviceKey, type WorkloadIndex } from './workload-index.js';

export type ServiceResolver = (state: PolicyState, host: string, destinationIp?: string) => string | undefined;

/** `10.0.0.1:80` → `10.0.0.1`, `[fd00::1]:80` → `fd00::1`; undefined for hostnames. */
function ipLiteral(host: string): string | undefined {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(host);
  return v4 ? v4[1] : undefined;
}

export function createServiceResolver(index: WorkloadIndex): ServiceResolver {
  const byVip = (ip: string | undefined): string | undefined => {
    const s = ip ? index.serviceByVip(ip) : undefined;
    return s ? serviceKey(s) : undefined;
  };
  return (state, host, destinationIp) => byVip(destinationIp) ?? byVip(ipLiteral(host)) ?? state.serviceForHost(host);
}
