/**
 * Encoding of the brain's xDS resources (proto/ambit/waypoint.proto, package ambit.waypoint.v1). Shared by the
 * control-plane generator (encode) and the brain (decode) so both sides agree on one mapping. Istio's YAML field
 * names are camelCase; the proto fields are snake_case; rules are converted key by key.
 */
import type { AuthzRule, JwtRule } from '../model/objects.js';
import { loadProtoRoot } from '../proto/load.js';
import type { AuthzAction, AuthzPolicyInput } from './types.js';
import type { PathNormalization } from './path.js';

export const BRAIN_TYPE_URLS = {
  authorizationPolicy: 'type.googleapis.com/ambit.waypoint.v1.AuthorizationPolicy',
  requestAuthentication: 'type.googleapis.com/ambit.waypoint.v1.RequestAuthentication',
  stickyRoute: 'type.googleapis.com/ambit.waypoint.v1.StickyRoute',
  brainSettings: 'type.googleapis.com/ambit.waypoint.v1.BrainSettings',
} as const;

export interface RequestAuthnInput {
  readonly namespace: string;
  readonly name: string;
  /** Service keys governed; empty = every request through the waypoint. */
  readonly services: readonly string[];
  readonly jwtRules: readonly JwtRule[];
}

export interface StickyRouteInput {
  readonly namespace: string;
  readonly name: string;
  readonly services: readonly string[];
  readonly key: { readonly kind: 'header' | 'cookie'; readonly name: string };
  readonly backends: readonly { readonly name: string; readonly weight: number }[];
}

export interface BrainSettingsInput {
  readonly debug: boolean;
  readonly pathNormalization: PathNormalization;
}

type Plain = Record<string, unknown>;
const root = () => loadProtoRoot(['ambit/waypoint.proto']);
const TO_OBJECT = { enums: String, longs: Number, defaults: false, arrays: true } as const;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Deep key conversion for plain JSON-like values; empty arrays are dropped when decoding (proto cannot tell). */
function convertKeys(v: unknown, f: (k: string) => string, dropEmpty: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => convertKeys(x, f, dropEmpty));
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  const out: Plain = {};
  for (const [k, x] of Object.entries(v as Plain)) {
    if (dropEmpty && Array.isArray(x) && x.length === 0) continue;
    out[f(k)] = convertKeys(x, f, dropEmpty);
  }
  return out;
}

function encode(type: string, obj: Plain): Buffer {
  const T = root().lookupType(`ambit.waypoint.v1.${type}`);
  // fromObject accepts enum names and throws on wrongly typed fields; verify() would demand enum numbers.
  return Buffer.from(T.encode(T.fromObject(obj)).finish());
}

function decode(type: string, bytes: Uint8Array): Plain {
  const T = root().lookupType(`ambit.waypoint.v1.${type}`);
  return T.toObject(T.decode(bytes), TO_OBJECT) as Plain;
}

export function encodeAuthorizationPolicy(p: AuthzPolicyInput): Buffer {
  return encode('AuthorizationPolicy', {
    name: p.name,
    namespace: p.namespace,
    action: p.action,
    rules: convertKeys(p.rules ?? [], snake, false),
    dry_run: p.dryRun,
    services: [...p.services],
    ...(p.provider !== undefined ? { provider: { name: p.provider } } : {}),
  });
}

export function decodeAuthorizationPolicy(bytes: Uint8Array): AuthzPolicyInput {
  const o = decode('AuthorizationPolicy', bytes);
  const provider = (o.provider as { name?: string } | undefined)?.name;
  return {
    name: String(o.name ?? ''),
    namespace: String(o.namespace ?? ''),
    action: (o.action as AuthzAction | undefined) ?? 'ALLOW',
    rules: convertKeys(o.rules ?? [], camel, true) as AuthzRule[],
    dryRun: o.dry_run === true,
    services: (o.services as string[] | undefined) ?? [],
    ...(provider !== undefined ? { provider } : {}),
  };
}

export function encodeRequestAuthentication(r: RequestAuthnInput): Buffer {
  const jwt_rules = r.jwtRules.map((j) => ({
    issuer: j.issuer,
    audiences: [...j.audiences],
    ...(j.jwksUri !== undefined ? { jwks_uri: j.jwksUri } : {}),
    ...(j.jwks !== undefined ? { jwks: j.jwks } : {}),
    from_headers: j.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix !== undefined ? { prefix: h.prefix } : {}) })),
    from_params: [...j.fromParams],
    forward_original_token: j.forwardOriginalToken,
    ...(j.outputPayloadToHeader !== undefined ? { output_payload_to_header: j.outputPayloadToHeader } : {}),
  }));
  return encode('RequestAuthentication', { name: r.name, namespace: r.namespace, services: [...r.services], jwt_rules });
}

export function decodeRequestAuthentication(bytes: Uint8Array): RequestAuthnInput {
  const o = decode('RequestAuthentication', bytes);
  const rules = (o.jwt_rules as Plain[] | undefined) ?? [];
  return {
    name: String(o.name ?? ''),
    namespace: String(o.namespace ?? ''),
    services: (o.services as string[] | undefined) ?? [],
    jwtRules: rules.map((j) => ({
      issuer: String(j.issuer ?? ''),
      audiences: (j.audiences as string[] | undefined) ?? [],
      ...(typeof j.jwks_uri === 'string' ? { jwksUri: j.jwks_uri } : {}),
      ...(typeof j.jwks === 'string' ? { jwks: j.jwks } : {}),
      fromHeaders: ((j.from_headers as Plain[] | undefined) ?? []).map((h) => ({
        name: String(h.name ?? ''),
        ...(typeof h.prefix === 'string' ? { prefix: h.prefix } : {}),
      })),
      fromParams: (j.from_params as string[] | undefined) ?? [],
      forwardOriginalToken: j.forward_original_token === true,
      ...(typeof j.output_payload_to_header === 'string' ? { outputPayloadToHeader: j.output_payload_to_header } : {}),
    })),
  };
}

export function encodeStickyRoute(s: StickyRouteInput): Buffer {
  return encode('StickyRoute', {
    name: s.name,
    namespace: s.namespace,
    services: [...s.services],
    [s.key.kind]: s.key.name,
    backends: s.backends.map((b) => ({ name: b.name, weight: b.weight })),
  });
}

export function decodeStickyRoute(bytes: Uint8Array): StickyRouteInput {
  const o = decode('StickyRoute', bytes);
  const key = typeof o.cookie === 'string' && o.cookie !== '' ? { kind: 'cookie' as const, name: o.cookie } : { kind: 'header' as const, name: String(o.header ?? '') };
  return {
    name: String(o.name ?? ''),
    namespace: String(o.namespace ?? ''),
    services: (o.services as string[] | undefined) ?? [],
    key,
    backends: ((o.backends as Plain[] | undefined) ?? []).map((b) => ({ name: String(b.name ?? ''), weight: Number(b.weight ?? 0) })),
  };
}

export function encodeBrainSettings(s: BrainSettingsInput): Buffer {
  return encode('BrainSettings', { debug: s.debug, path_normalization: s.pathNormalization });
}

export function decodeBrainSettings(bytes: Uint8Array): BrainSettingsInput {
  const o = decode('BrainSettings', bytes);
  const n = String(o.path_normalization ?? '');
  const modes: readonly PathNormalization[] = ['NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'];
  return { debug: o.debug === true, pathNormalization: (modes as readonly string[]).includes(n) ? (n as PathNormalization) : 'BASE' };
}
