/**
 * Which service an inbound connection was meant for, for the destination reporter's `destination_service*` labels
 * and the access log's `dst.service`. The inbound side only sees `<pod IP>:<target port>`, so, as Istio's ztunnel
 * (`guess_inbound_service`), it takes the service the client named in the HBONE `Forwarded` header's `host=`, else
 * the first of the workload's services that delivers to that port. Used by HBONE (15008) and plaintext (15006).
 */
import type { StateStore } from '../state/store.js';
import type { ZService, ZWorkload } from '../state/types.js';
import { endpointTargetPort } from '../state/resolve.js';

/**
 * The destination workload's service for a connection to `port`; undefined when no service of the workload fits.
 * `claimedHost` (from `Forwarded: host=`) only selects among the workload's own services: a client cannot make the
 * metrics name a service this workload does not back.
 */
export function inboundService(state: StateStore, workload: ZWorkload, port: number, claimedHost?: string): ZService | undefined {
  const candidates = servicesOf(state, workload);
  const host = claimedHost?.toLowerCase();
  const claimed = host === undefined ? undefined : candidates.find((s) => s.hostname.toLowerCase() === host);
  return claimed ?? candidates.find((s) => deliversTo(workload, s, port));
}

/** The workload's services known to the store, in the order WDS listed them (so "first" is stable). */
function servicesOf(state: StateStore, workload: ZWorkload): ZService[] {
  const found: ZService[] = [];
  for (const key of Object.keys(workload.services)) {
    const s = state.serviceByKey(key);
    if (s) found.push(s);
  }
  return found;
}

/** Whether some port of `service` lands on `port` of this workload, by the rule outbound resolution dials with. */
function deliversTo(workload: ZWorkload, service: ZService, port: number): boolean {
  const servicePorts = new Set([...(workload.services[service.key] ?? []), ...service.ports].map((p) => p.servicePort));
  return [...servicePorts].some((sp) => endpointTargetPort(workload, service, sp) === port);
}

/**
 * The `host=` parameter of an RFC 7239 `Forwarded` header (Istio's ztunnel sends `for="<ip:port>";host=<service>`,
 * istio-facts §1.2). Quoted values are unquoted; a quoted value is consumed whole, so a `host=` inside another
 * parameter's quotes is not taken. Undefined when absent or empty.
 */
export function forwardedHost(header: string | readonly string[] | undefined): string | undefined {
  const value = typeof header === 'string' ? header : header?.join(',');
  if (!value) return undefined;
  for (const m of value.matchAll(FORWARDED_PAIR)) {
    if (m[1]!.toLowerCase() !== 'host') continue;
    const raw = m[2]!;
    const host = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    return host || undefined;
  }
  return undefined;
}

/** `name=value` with value a token or a quoted-string (RFC 7239 §4). */
const FORWARDED_PAIR = /([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)/g;
