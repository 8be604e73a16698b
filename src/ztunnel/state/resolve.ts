/**
 * Outbound destination resolution with Istio's rules: a target (hostname or IP, port) from a source workload becomes
 * an upstream plan — HBONE to the destination's node ztunnel, HBONE to a waypoint, or plaintext.
 */
import { hboneServerName, PORTS, ILLEGAL_DESTINATION_PORTS } from '../../shared/constants.js';
import { isIP } from 'node:net';
import type { StateStore } from './store.js';
import type { GatewayTarget, LoadBalancing, LocalityScope, ZService, ZWorkload } from './types.js';
import { formatHostPort, normalizeIp } from './ip.js';

export type OutboundTarget = { readonly kind: 'ip'; readonly ip: string; readonly port: number } | { readonly kind: 'hostname'; readonly hostname: string; readonly port: number };

export interface HbonePlan {
  readonly kind: 'hbone';
  /** TCP destination: node ztunnel or waypoint, port 15008. */
  readonly dialIp: string;
  readonly dialPort: number;
  readonly serverName: string;
  readonly authority: string;
  readonly expectedIdentities: readonly string[];
  readonly viaWaypoint: boolean;
  /** The waypoint workload the connection goes to (when known): the actual destination for telemetry. */
  readonly waypoint?: ZWorkload;
  readonly service?: ZService;
  /** Destination workload (undefined when going to a waypoint for a service). */
  readonly workload?: ZWorkload;
}

export interface PlaintextPlan {
  readonly kind: 'plaintext';
  readonly dialIp: string;
  readonly dialPort: number;
  readonly service?: ZService;
  readonly workload?: ZWorkload;
}

/** SOCKS5 reply codes an error maps to (RFC 1928 §6). */
export type ResolveError = {
  readonly kind: 'error';
  readonly reason: string;
  readonly reply: 0x01 | 0x02 | 0x03 | 0x04;
  /** The target was a name no mesh service has: the caller may resolve it in DNS and try again with the address. */
  readonly unknownHostname?: true;
};

export type UpstreamPlan = HbonePlan | PlaintextPlan | ResolveError;

export interface ResolveOptions {
  readonly domainSuffix: string;
  /** Picks one endpoint among candidates; default random, weighted by capacity. */
  readonly pick?: (candidates: readonly ZWorkload[]) => ZWorkload | undefined;
  /** Resolves a name outside the mesh to one address of `family`; default the system resolver. */
  readonly lookup?: (hostname: string, family: 4 | 6) => Promise<string | undefined>;
}

export function resolveOutbound(state: StateStore, source: ZWorkload, target: OutboundTarget, opts: ResolveOptions): UpstreamPlan {
  if (ILLEGAL_DESTINATION_PORTS.has(target.port)) return { kind: 'error', reason: `port ${target.port} is reserved for the proxy`, reply: 0x02 };
  let service: ZService | undefined;
  if (target.kind === 'hostname') {
    service = lookupHostname(state, target.hostname, source.namespace, opts.domainSuffix);
    if (!service) return { kind: 'error', reason: `no service named ${target.hostname}`, reply: 0x04, unknownHostname: true };
  } else {
    service = state.serviceByVip(target.ip);
  }
  // PASSTHROUGH (a ServiceEntry with resolution NONE): the client's own destination IP, as if no service matched.
  const passthrough = service?.loadBalancing?.mode === 'PASSTHROUGH' && target.kind === 'ip' && !service.waypoint;
  if (service && !passthrough) return resolveService(state, source, service, target.port, opts, target.kind === 'ip' ? normalizeIp(target.ip) : undefined);
  const ip = normalizeIp(target.kind === 'ip' ? target.ip : '');
  const workload = state.workloadByIp(ip);
  if (!workload) return { kind: 'plaintext', dialIp: ip, dialPort: target.port }; // not in the mesh: passthrough
  // Workload waypoints apply only to pod-addressed traffic, and never to the waypoint's own traffic (Istio's from_waypoint).
  if (workload.waypoint && !isWaypointOf(state, source, workload.waypoint)) {
    return viaWaypoint(state, workload.waypoint, formatHostPort(ip, target.port), undefined, workload);
  }
  return toWorkload(state, workload, ip, target.port, undefined);
}

function lookupHostname(state: StateStore, name: string, callerNamespace: string, domainSuffix: string): ZService | undefined {
  const host = name.toLowerCase().replace(/\.$/, '');
  const parts = host.split('.');
  const candidates =
    parts.length === 1 ? [`${host}.${callerNamespace}.svc.${domainSuffix}`]
    : parts.length === 2 ? [`${host}.svc.${domainSuffix}`]
    : parts.length === 3 && parts[2] === 'svc' ? [`${host}.${domainSuffix}`]
    : [];
  for (const c of [host, ...candidates]) {
    const s = state.serviceByHostname(c);
    if (s) return s;
  }
  return undefined;
}

function resolveService(state: StateStore, source: ZWorkload, service: ZService, port: number, opts: ResolveOptions, dialedVip?: string): UpstreamPlan {
  const vip = dialedVip ?? vipFor(service, source);
  if (service.waypoint && vip && !isWaypointOf(state, source, service.waypoint)) {
    return viaWaypoint(state, service.waypoint, formatHostPort(vip, port), service, undefined);
  }
  const candidates = preferredEndpoints(source, service.loadBalancing, state.endpointsOf(service.key).filter((w) => (w.healthy || service.loadBalancing?.healthPolicy === 'ALLOW_ALL') && w.addresses.length > 0 && endpointTargetPort(w, service, port) !== undefined));
  const pick = opts.pick ?? pickByCapacity;
  const chosen = pick(candidates);
  if (!chosen) return { kind: 'error', reason: `service ${service.key} has no healthy endpoint for port ${port}`, reply: 0x04 };
  // A dual-stack endpoint is dialed in the family the client used (the VIP it dialed, else its own address).
  const family = isIP(vip ?? '') || isIP(source.addresses[0] ?? '');
  const ip = chosen.addresses.find((a) => isIP(a) === family) ?? chosen.addresses[0]!;
  return toWorkload(state, chosen, ip, endpointTargetPort(chosen, service, port)!, service);
}

/** A random endpoint, weighted by capacity (default 1) as Istio's ztunnel does; none when every weight is 0. */
function pickByCapacity(candidates: readonly ZWorkload[]): ZWorkload | undefined {
  let total = 0;
  for (const w of candidates) total += w.capacity ?? 1;
  if (total <= 0) return undefined;
  let r = Math.random() * total;
  for (const w of candidates) {
    r -= w.capacity ?? 1;
    if (r < 0) return w;
  }
  return candidates.findLast((w) => (w.capacity ?? 1) > 0); // rounding at the very end of the range
}

/**
 * Istio's locality rules over the usable endpoints: STRICT keeps those sharing every preferred scope with the client
 * (internalTrafficPolicy: Local = NODE), FAILOVER keeps those sharing the longest leading run of scopes (the closest
 * tier that has any). Each scope compares one field on its own, as Istio's ztunnel does (a missing locality is '').
 */
function preferredEndpoints(source: ZWorkload, lb: LoadBalancing | undefined, endpoints: ZWorkload[]): ZWorkload[] {
  if (!lb || lb.routingPreference.length === 0) return endpoints;
  if (lb.mode === 'STRICT') return endpoints.filter((w) => lb.routingPreference.every((scope) => sharesScope(scope, source, w)));
  if (lb.mode !== 'FAILOVER') return endpoints;
  const ranks = endpoints.map((w) => {
    const miss = lb.routingPreference.findIndex((scope) => !sharesScope(scope, source, w));
    return miss < 0 ? lb.routingPreference.length : miss;
  });
  const best = Math.max(...ranks);
  return endpoints.filter((_, i) => ranks[i] === best);
}

function sharesScope(scope: LocalityScope, a: ZWorkload, b: ZWorkload): boolean {
  switch (scope) {
    case 'NODE':
      return a.node !== '' && a.node === b.node;
    case 'NETWORK':
      return a.network === b.network;
    case 'CLUSTER':
      return a.clusterId === b.clusterId;
    case 'REGION':
      return (a.locality?.region ?? '') === (b.locality?.region ?? '');
    case 'ZONE':
      return (a.locality?.zone ?? '') === (b.locality?.zone ?? '');
    case 'SUBZONE':
      return (a.locality?.subzone ?? '') === (b.locality?.subzone ?? '');
  }
}

/**
 * The VIP a hostname target stands for: the waypoint's `:authority` is the original destination, so prefer a VIP of
 * the caller's address family (a dual-stack service lists both), else the first.
 */
function vipFor(service: ZService, source: ZWorkload): string | undefined {
  const family = isIP(source.addresses[0] ?? '');
  return service.vips.find((v) => isIP(v) === family) ?? service.vips[0];
}

/**
 * Service port → the endpoint's target port: the workload's own mapping first, then the service's numeric one. A
 * service target port of 0 is a named port; an endpoint that does not map it cannot serve it (Istio's ztunnel
 * filters such endpoints out). undefined = this endpoint does not serve that port.
 */
export function endpointTargetPort(w: ZWorkload, service: ZService, port: number): number | undefined {
  const own = w.services[service.key]?.find((p) => p.servicePort === port);
  if (own) return own.targetPort || port;
  const svc = service.ports.find((p) => p.servicePort === port);
  if (!svc) return service.ports.length === 0 ? port : undefined;
  return svc.targetPort || undefined;
}

function toWorkload(state: StateStore, w: ZWorkload, ip: string, port: number, service: ZService | undefined): UpstreamPlan {
  if (w.tunnel !== 'HBONE') return { kind: 'plaintext', dialIp: ip, dialPort: port, workload: w, ...(service ? { service } : {}) };
  const dialIp = state.nodeAddressOf(w) ?? ip; // Istio dials <podIP>:15008 when there is no node-address mapping
  const expected = [w.identity, ...(service?.subjectAltNames ?? [])];
  return {
    kind: 'hbone',
    dialIp,
    dialPort: PORTS.hbone,
    serverName: hboneServerName(ip),
    authority: formatHostPort(ip, port),
    expectedIdentities: [...new Set(expected)],
    viaWaypoint: false,
    workload: w,
    ...(service ? { service } : {}),
  };
}

function viaWaypoint(state: StateStore, gw: GatewayTarget, authority: string, service: ZService | undefined, workload: ZWorkload | undefined): UpstreamPlan {
  const wp = waypointEndpoint(state, gw);
  if (!wp) return { kind: 'error', reason: `waypoint ${describeGateway(gw)} has no address`, reply: 0x04 };
  // Istio's UnknownWaypoint: without the waypoint's workloads there is no identity to verify, and sending the
  // client's bytes (and its baggage) to whatever mesh identity answers at that address would trust an impostor.
  if (wp.identities.length === 0) return { kind: 'error', reason: `waypoint ${describeGateway(gw)}: no known workload, so no identity to verify`, reply: 0x04 };
  return {
    kind: 'hbone',
    dialIp: wp.ip,
    dialPort: gw.hbonePort,
    serverName: hboneServerName(wp.ip),
    authority,
    expectedIdentities: wp.identities,
    viaWaypoint: true,
    ...(wp.workload ? { waypoint: wp.workload } : {}),
    ...(service ? { service } : {}),
    ...(workload ? { workload } : {}),
  };
}

/** The waypoint's IP, acceptable identities (its workloads' identities) and the workload behind the IP if one is. */
function waypointEndpoint(state: StateStore, gw: GatewayTarget): { ip: string; identities: string[]; workload?: ZWorkload } | undefined {
  if (gw.kind === 'address') {
    const svc = state.serviceByVip(gw.ip);
    const direct = state.workloadByIp(gw.ip);
    const workloads = svc ? state.endpointsOf(svc.key) : [direct].filter((w): w is ZWorkload => w !== undefined);
    const workload = direct ?? workloads[0];
    return { ip: gw.ip, identities: [...new Set(workloads.map((w) => w.identity))], ...(workload ? { workload } : {}) };
  }
  const svc = state.serviceByHostname(gw.hostname);
  const endpoints = svc ? state.endpointsOf(svc.key) : [];
  const ip = svc?.vips[0] ?? endpoints[0]?.addresses[0];
  if (!ip || isIP(ip) === 0) return undefined;
  const workload = state.workloadByIp(ip) ?? endpoints[0];
  return { ip, identities: [...new Set(endpoints.map((w) => w.identity))], ...(workload ? { workload } : {}) };
}

function isWaypointOf(state: StateStore, source: ZWorkload, gw: GatewayTarget): boolean {
  if (gw.kind === 'address') return source.addresses.includes(gw.ip) || state.serviceByVip(gw.ip)?.key !== undefined && state.endpointsOf(state.serviceByVip(gw.ip)!.key).some((w) => w.uid === source.uid);
  const svc = state.serviceByHostname(gw.hostname);
  return svc !== undefined && state.endpointsOf(svc.key).some((w) => w.uid === source.uid);
}

function describeGateway(gw: GatewayTarget): string {
  return gw.kind === 'address' ? gw.ip : `${gw.namespace}/${gw.hostname}`;
}
