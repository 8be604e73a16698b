/** JSON Web Key Sets (RFC 7517) → Node KeyObjects, validated once when the set is loaded. */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface JwkEntry {
  readonly kid?: string;
  readonly alg?: string;
  readonly key: KeyObject;
}

export interface Jwks {
  readonly keys: readonly JwkEntry[];
}

export type JwksResult = { readonly ok: true; readonly jwks: Jwks } | { readonly ok: false; readonly error: string };

/** Parses a JWKS document; keys that cannot be imported are reported, the rest kept. */
export function parseJwks(text: string): JwksResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `jwks: not JSON: ${(e as Error).message}` };
  }
  const list = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(list)) return { ok: false, error: 'jwks: missing "keys" array' };
  const keys: JwkEntry[] = [];
  const errors: string[] = [];
  list.forEach((jwk: unknown, i) => {
    try {
      const j = jwk as JsonWebKey & { kid?: string; alg?: string; use?: string };
      if (j.use !== undefined && j.use !== 'sig') return;
      const key = createPublicKey({ key: j, format: 'jwk' });
      keys.push({ key, ...(j.kid ? { kid: j.kid } : {}), ...(j.alg ? { alg: j.alg } : {}) });
    } catch (e) {
      errors.push(`keys[${i}]: ${(e as Error).message}`);
    }
  });
  if (keys.length === 0) return { ok: false, error: `jwks: no usable keys${errors.length ? ' (' + errors.join('; ') + ')' : ''}` };
  return { ok: true, jwks: { keys } };
}
