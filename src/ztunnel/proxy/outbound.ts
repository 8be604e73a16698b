/**
 * Outbound: a local source workload's connection to a target (from SOCKS5, later from transparent capture) is
 * resolved with Istio's rules and carried over HBONE (to the destination's node ztunnel or a waypoint) or in
 * plaintext (non-mesh destinations), with metrics and an access-log line.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { StateStore } from '../state/store.js';
import type { ZWorkload } from '../state/types.js';
import { resolveOutbound, type HbonePlan, type OutboundTarget, type PlaintextPlan, type ResolveOptions } from '../state/resolve.js';
import type { HbonePool } from '../hbone/client-pool.js';
import { HEADERS, CONNECT_TIMEOUT_MS } from '../hbone/constants.js';
import { baggageOf } from '../hbone/baggage.js';
import { formatHostPort, normalizeIp } from '../state/ip.js';
import type { ZtunnelMetrics } from '../metrics.js';
import { trackConnection, type ConnectionTracker } from '../access-log.js';
import { connectTcp } from '../inbound/deliver.js';
import { h2End, relay, socketEnd, type RelayEnd, type RelayBudget } from './relay.js';
import { bindableSource } from './local-address.js';

export interface OutboundDeps {
  /** Buffer budget shared by this ztunnel's relays. */
  readonly relayBudget: RelayBudget;
  readonly state: StateStore;
  readonly pool: HbonePool;
  readonly metrics: ZtunnelMetrics;
  readonly accessLog: Logger;
  readonly resolve: ResolveOptions;
}

/** How the caller (SOCKS5) learns whether the upstream was established; returns false if the client is gone. */
export type Established = (result: { ok: true } | { ok: false; reply: number; reason: string }) => boolean;

export async function handleOutbound(client: Socket, source: ZWorkload, rawTarget: OutboundTarget, established: Established, deps: OutboundDeps): Promise<void> {
  const target: OutboundTarget = rawTarget.kind === 'hostname' && isIP(rawTarget.hostname) ? { kind: 'ip', ip: normalizeIp(rawTarget.hostname), port: rawTarget.port } : rawTarget;
  let plan = resolveOutbound(deps.state, source, target, deps.resolve);
  if (plan.kind === 'error' && plan.unknownHostname && target.kind === 'hostname' && !isClusterName(target.hostname, deps.resolve.domainSuffix)) {
    // Not a mesh name: resolve it as the application would have and go on by address (passthrough, or a workload).
    const ip = await (deps.resolve.lookup ?? lookupAddress)(target.hostname, isIP(source.addresses[0] ?? '') === 6 ? 6 : 4);
    plan = ip
      ? resolveOutbound(deps.state, source, { kind: 'ip', ip, port: target.port }, deps.resolve)
      : { ...plan, reason: `${plan.reason}, and DNS has no address for it` };
  }
  const clientAddr = formatHostPort(normalizeIp(client.remoteAddress ?? ''), client.remotePort ?? 0);
  const targetText = target.kind === 'ip' ? formatHostPort(target.ip, target.port) : `${target.hostname}:${target.port}`;
  if (plan.kind === 'error') {
    deps.accessLog.warn('outbound connection refused', { 'src.addr': clientAddr, 'src.workload': source.name, 'dst.addr': targetText, error: plan.reason });
    established({ ok: false, reply: plan.reply, reason: plan.reason });
    return;
  }
  const headers = connectHeaders(source, clientAddr, plan.service?.hostname);
  const tracker = trackConnection(
    {
      direction: 'outbound',
      ...(plan.kind === 'hbone' ? { traceparent: headers[HEADERS.traceparent]! } : {}),
      sourceAddr: clientAddr,
      destinationAddr: plan.kind === 'hbone' ? plan.authority : formatHostPort(plan.dialIp, plan.dialPort),
      ...(plan.kind === 'hbone' ? { hboneAddr: formatHostPort(plan.dialIp, plan.dialPort) } : {}),
      labels: {
        reporter: 'source',
        source,
        ...outboundPeerLabels(source, plan),
        ...(plan.service ? { destinationService: plan.service } : {}),
        mtls: plan.kind === 'hbone',
      },
    },
    { metrics: deps.metrics, accessLog: deps.accessLog },
  );
  let upstream: RelayEnd;
  if (plan.kind === 'hbone') {
    const res = await deps.pool.connect({
      sourceIdentity: source.identity,
      sourceIp: bindableSource(source.addresses, plan.dialIp) ?? '',
      dialIp: plan.dialIp,
      dialPort: plan.dialPort,
      serverName: plan.serverName,
      expectedIdentities: plan.expectedIdentities,
      authority: plan.authority,
      headers,
    });
    if (!res.ok) {
      established({ ok: false, reply: res.status === 401 ? 0x02 : 0x05, reason: res.message });
      return tracker.finish({ flag: res.flag, error: res.message, ...(res.status !== undefined ? { status: res.status } : {}) }, false);
    }
    upstream = h2End(res.stream);
  } else {
    try {
      upstream = socketEnd(await connectTcp(plan.dialIp, plan.dialPort, CONNECT_TIMEOUT_MS, bindableSource(source.addresses, plan.dialIp)));
    } catch (e) {
      established({ ok: false, reply: 0x05, reason: (e as Error).message });
      return tracker.finish({ flag: 'CONNECT', error: (e as Error).message }, false);
    }
  }
  if (!established({ ok: true })) {
    upstream.reset();
    return tracker.finish({ flag: 'CONNECT', error: 'client went away' }, false);
  }
  // Returned, not awaited: this function's locals would otherwise stay alive for the connection's lifetime.
  return finishRelay(client, upstream, tracker, deps.relayBudget);
}

/**
 * Names under the cluster domain (or the `.svc` short form) are the mesh's to answer; DNS is not asked for them. Any
 * other name the mesh did not know (`example.com`, `localhost`, a compose service) goes to DNS.
 */
function isClusterName(hostname: string, domainSuffix: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host.endsWith(`.${domainSuffix}`) || host.endsWith('.svc');
}

/** The system resolver runs on libuv's small thread pool and has no deadline of its own. */
const DNS_TIMEOUT_MS = 5_000;

/** First address of `family` the system resolver gives for `hostname`, or undefined (none, error or timeout). */
async function lookupAddress(hostname: string, family: 4 | 6): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, DNS_TIMEOUT_MS, undefined)));
  try {
    return await Promise.race([lookup(hostname, { family }).then((a) => normalizeIp(a.address)), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Principals and destination workload of the source reporter's labels, as Istio: a principal only where mTLS proves
 * it (HBONE, not plaintext passthrough), and through a waypoint the destination is the waypoint, the hop this
 * connection actually reaches (the destination ztunnel then reports the waypoint as its source).
 */
function outboundPeerLabels(source: ZWorkload, plan: HbonePlan | PlaintextPlan): { sourcePrincipal?: string; destination?: ZWorkload; destinationPrincipal?: string } {
  if (plan.kind !== 'hbone') return plan.workload ? { destination: plan.workload } : {};
  const destination = plan.viaWaypoint ? plan.waypoint : plan.workload;
  const destinationPrincipal = plan.viaWaypoint ? (plan.waypoint?.identity ?? plan.expectedIdentities[0]) : plan.workload?.identity;
  return { sourcePrincipal: source.identity, ...(destination ? { destination } : {}), ...(destinationPrincipal ? { destinationPrincipal } : {}) };
}

function finishRelay(client: Socket, upstream: RelayEnd, tracker: ConnectionTracker, budget: RelayBudget): Promise<void> {
  return relay(socketEnd(client), upstream, { aToB: (n) => tracker.received(n), bToA: (n) => tracker.sent(n) }, budget).then((outcome) => {
    tracker.finish({ flag: '-', ...(outcome.error ? { error: outcome.error.message } : {}) }, true);
  });
}

/** `baggage`, `forwarded` and `traceparent` as Istio's ztunnel sends them (istio-facts §1.2). */
export function connectHeaders(source: ZWorkload, clientAddr: string, serviceHost: string | undefined): Record<string, string> {
  const baggage = baggageOf(source);
  return {
    ...(baggage ? { [HEADERS.baggage]: baggage } : {}),
    [HEADERS.forwarded]: `for="${clientAddr}"${serviceHost ? `;host=${serviceHost}` : ''}`,
    [HEADERS.traceparent]: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
  };
}
