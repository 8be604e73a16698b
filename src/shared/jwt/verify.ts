/**
 * Compact-JWS JWT verification (RFC 7515/7519) as Envoy's jwt_authn does it for Istio RequestAuthentication: signature
 * against the issuer's JWKS, `iss`, `aud` (when audiences are configured), `exp`/`nbf` with a clock skew (Envoy's
 * default 60 s). Results are values; the message matches Envoy's wording where there is one.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Jwks } from './jwks.js';

export interface JwtClaims {
  readonly [claim: string]: unknown;
}

export type JwtResult = { readonly ok: true; readonly claims: JwtClaims } | { readonly ok: false; readonly error: string };

export interface VerifyOptions {
  readonly jwks: Jwks;
  readonly issuer: string;
  /** Empty = any audience. */
  readonly audiences: readonly string[];
  readonly nowSec: number;
  /** Default 60, as Envoy's `clock_skew_seconds`. */
  readonly clockSkewSec?: number;
}

interface Alg {
  readonly hash: string | null;
  readonly opts?: { padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' };
}

const ALGS: Readonly<Record<string, Alg>> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', opts: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  PS384: { hash: 'sha384', opts: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 } },
  PS512: { hash: 'sha512', opts: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } },
  ES256: { hash: 'sha256', opts: { dsaEncoding: 'ieee-p1363' } },
  ES384: { hash: 'sha384', opts: { dsaEncoding: 'ieee-p1363' } },
  ES512: { hash: 'sha512', opts: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { hash: null },
};

/** Decodes header and payload without verifying (used to pick the rule by `iss`). */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: JwtClaims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims };
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkSignature(token: string, header: Record<string, unknown>, jwks: Jwks): string | undefined {
  const alg = typeof header.alg === 'string' ? ALGS[header.alg] : undefined;
  if (!alg) return `Jwt verification fails: unsupported alg ${String(header.alg)}`;
  const [h, p, s] = token.split('.') as [string, string, string];
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const candidates = jwks.keys.filter((k) => (kid === undefined || k.kid === undefined || k.kid === kid) && (!k.alg || k.alg === header.alg));
  const ok = candidates.some((k) => tryVerify(alg, data, k.key, sig));
  return ok ? undefined : 'Jwt verification fails';
}

function tryVerify(alg: Alg, data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return cryptoVerify(alg.hash, data, alg.opts ? { key, ...alg.opts } : key, sig);
  } catch {
    return false;
  }
}

export function verifyJwt(token: string, o: VerifyOptions): JwtResult {
  const decoded = decodeJwt(token);
  if (!decoded) return { ok: false, error: 'Jwt is not in the form of Header.Payload.Signature' };
  const { header, claims } = decoded;
  const sigError = checkSignature(token, header, o.jwks);
  if (sigError) return { ok: false, error: sigError };
  if (claims.iss !== o.issuer) return { ok: false, error: 'Jwt issuer is not configured' };
  const skew = o.clockSkewSec ?? 60;
  if (typeof claims.exp === 'number' && o.nowSec > claims.exp + skew) return { ok: false, error: 'Jwt is expired' };
  if (typeof claims.nbf === 'number' && o.nowSec + skew < claims.nbf) return { ok: false, error: 'Jwt not yet valid' };
  if (o.audiences.length > 0) {
    const aud = audiencesOf(claims);
    if (!aud.some((a) => o.audiences.includes(a))) return { ok: false, error: 'Audiences in Jwt are not allowed' };
  }
  return { ok: true, claims };
}

export function audiencesOf(claims: JwtClaims): readonly string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}
