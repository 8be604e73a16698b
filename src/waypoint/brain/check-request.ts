/**
 * Maps an Envoy `envoy.service.auth.v3.CheckRequest` (proto-loader object, keepCase) onto the engine's request
 * attributes. Peer identity: `attributes.source.principal` (the URI SAN Envoy reports for the downstream certificate)
 * when set, else the `x-ambit-peer-principal` header the waypoint sets from HBONE filter state on its internal
 * listener; likewise the client address from `source.address` or `x-ambit-peer-address`.
 */
import type { AuthzRequest } from '../../shared/authz/index.js';
import { PEER_ADDRESS_HEADER, PEER_PRINCIPAL_HEADER, SERVICE_CONTEXT_KEY } from './constants.js';

interface SocketAddress {
  readonly address?: string;
  readonly port_value?: number;
}
interface Peer {
  readonly address?: { readonly socket_address?: SocketAddress };
  readonly principal?: string;
}
interface HeaderValue {
  readonly key?: string;
  readonly value?: string;
  readonly raw_value?: Uint8Array;
}
export interface CheckRequestMessage {
  readonly attributes?: {
    readonly source?: Peer;
    readonly destination?: Peer;
    readonly request?: {
      readonly http?: {
        readonly method?: string;
        readonly path?: string;
        readonly host?: string;
        readonly protocol?: string;
        readonly headers?: Readonly<Record<string, string>>;
        readonly header_map?: { readonly headers?: readonly HeaderValue[] };
      };
    };
    readonly context_extensions?: Readonly<Record<string, string>>;
    readonly tls_session?: { readonly sni?: string };
  };
}

export interface MappingOptions {
  /** Envoy `xff_num_trusted_hops` equivalent for `remote.ip` (0 = the direct peer). */
  readonly xffTrustedHops?: number;
}

export function headersOf(http: NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(http.headers ?? {})) out.set(k.toLowerCase(), v);
  for (const h of http.header_map?.headers ?? []) {
    if (!h.key) continue;
    const v = h.raw_value && h.raw_value.length > 0 ? Buffer.from(h.raw_value).toString('latin1') : (h.value ?? '');
    const k = h.key.toLowerCase();
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : `${prev},${v}`);
  }
  return out;
}

/** Splits `ip:port` / `[v6]:port` / bare ip. */
function hostOnly(addr: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (v6) return v6[1]!;
  return /^[^:]+:\d+$/.test(addr) ? addr.slice(0, addr.lastIndexOf(':')) : addr;
}

function remoteFromXff(headers: ReadonlyMap<string, string>, hops: number, direct: string | undefined): string | undefined {
  if (hops <= 0) return direct;
  const xff = headers.get('x-forwarded-for')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  return xff[xff.length - hops] ?? direct;
}

/** The engine request (without `auth`, added after JWT validation) and the service hint from context extensions. */
export function toAuthzRequest(msg: CheckRequestMessage, opts: MappingOptions = {}): { request: AuthzRequest; serviceHint?: string } {
  const a = msg.attributes ?? {};
  const http = a.request?.http ?? {};
  const headers = headersOf(http);
  const src = a.source?.address?.socket_address;
  const dst = a.destination?.address?.socket_address;
  const principal = a.source?.principal || headers.get(PEER_PRINCIPAL_HEADER) || undefined;
  const peerHeader = headers.get(PEER_ADDRESS_HEADER);
  const sourceIp = src?.address || (peerHeader ? hostOnly(peerHeader) : undefined);
  const remoteIp = remoteFromXff(headers, opts.xffTrustedHops ?? 0, sourceIp);
  const request: AuthzRequest = {
    host: http.host ?? headers.get(':authority') ?? '',
    method: http.method ?? headers.get(':method') ?? '',
    path: http.path ?? headers.get(':path') ?? '',
    headers,
    ...(principal ? { sourcePrincipal: principal } : {}),
    ...(sourceIp ? { sourceIp } : {}),
    ...(remoteIp ? { remoteIp } : {}),
    ...(dst?.address ? { destinationIp: dst.address } : {}),
    ...(dst?.port_value ? { destinationPort: dst.port_value } : {}),
    ...(a.tls_session?.sni ? { sni: a.tls_session.sni } : {}),
  };
  const serviceHint = a.context_extensions?.[SERVICE_CONTEXT_KEY];
  return serviceHint ? { request, serviceHint } : { request };
}
