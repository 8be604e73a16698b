/**
 * Istio's path normalization (MeshConfig `pathNormalization.normalization`) applied before path matching, so
 * `/public/../admin` cannot slip past a rule on `/admin*`. The query string and fragment are dropped first, as Envoy's
 * RBAC `url_path` matcher does.
 */

/** `DEFAULT` behaves as `BASE`, as in Istio. */
export type PathNormalization = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Returns the normalized path (without query). */
export function normalizePath(rawPath: string, mode: PathNormalization = 'BASE'): string {
  let path = stripQuery(rawPath);
  if (mode === 'NONE') return path;
  if (mode === 'DECODE_AND_MERGE_SLASHES') path = path.replace(/%2f/gi, '/').replace(/%5c/gi, '/');
  path = decodeUnreserved(path);
  if (mode !== 'BASE') path = path.replace(/\/{2,}/g, '/');
  return removeDotSegments(path);
}

function stripQuery(p: string): string {
  const q = p.search(/[?#]/);
  return q === -1 ? p : p.slice(0, q);
}

/** RFC 3986 §6.2.2: decode percent-encoded unreserved characters, upper-case the remaining escapes. */
function decodeUnreserved(p: string): string {
  return p.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4, also treating a backslash as a separator (Envoy's normalize_path does). */
export function removeDotSegments(p: string): string {
  const input = p.replaceAll('\\', '/');
  const segments = input.split('/');
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : '/' + joined;
}
