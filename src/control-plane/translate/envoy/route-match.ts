/**
 * Gateway API HTTPRouteMatch → Envoy RouteMatch, and the Gateway API precedence order between matches
 * (exact path, then longest prefix, then method, then most headers, then most query parameters).
 */
import type { HTTPRouteMatch } from '../../../shared/model/objects.js';

type Json = Record<string, unknown>;

export function toEnvoyMatch(m: HTTPRouteMatch, extraHeaders: readonly Json[] = []): Json {
  const out: Json = pathMatch(m);
  const headers: Json[] = m.headers.map((h) => ({ name: h.name, string_match: stringMatch(h.type, h.value) }));
  if (m.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  headers.push(...extraHeaders);
  if (headers.length > 0) out.headers = headers;
  if (m.queryParams.length > 0) {
    out.query_parameters = m.queryParams.map((q) => ({ name: q.name, string_match: stringMatch(q.type, q.value) }));
  }
  return out;
}

function stringMatch(type: 'Exact' | 'RegularExpression', value: string): Json {
  return type === 'Exact' ? { exact: value } : { safe_regex: { regex: value } };
}

function pathMatch(m: HTTPRouteMatch): Json {
  const p = m.path;
  if (!p) return { prefix: '/' };
  if (p.type === 'Exact') return { path: p.value };
  if (p.type === 'RegularExpression') return { safe_regex: { regex: p.value } };
  // Gateway API PathPrefix matches whole path elements: "/foo" matches "/foo" and "/foo/bar", not "/foobar".
  const trimmed = p.value.replace(/\/+$/, '');
  return trimmed === '' ? { prefix: '/' } : { path_separated_prefix: trimmed };
}

/** Sort key: smaller sorts first (more specific). Ties are broken by the caller (route age/name, rule order). */
export function matchPrecedence(m: HTTPRouteMatch): readonly number[] {
  // An absent path is Gateway API's default `PathPrefix /`, so it ranks exactly like it.
  const p = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  const pathRank = p.type === 'Exact' ? 0 : p.type === 'PathPrefix' ? 1 : 2;
  const pathLen = p.type !== 'RegularExpression' ? p.value.length : 0;
  return [pathRank, -pathLen, m.method ? 0 : 1, -m.headers.length, -m.queryParams.length];
}

/**
 * Envoy compiles `safe_regex` with RE2, which rejects Perl-only syntax; a bad pattern would make Envoy NACK the whole
 * route configuration, so such matches are reported instead. Returns the problem or undefined.
 */
export function re2Problem(pattern: string): string | undefined {
  if (/\(\?(=|!|<=|<!|>)/.test(pattern)) return `regex ${JSON.stringify(pattern)} uses lookaround/atomic groups, which RE2 does not support`;
  if (/\\[1-9]/.test(pattern)) return `regex ${JSON.stringify(pattern)} uses backreferences, which RE2 does not support`;
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return `regex ${JSON.stringify(pattern)} is invalid: ${(err as Error).message}`;
  }
  return undefined;
}

/** Every regex a match would send to Envoy, with its problem. */
export function matchProblems(m: HTTPRouteMatch): string[] {
  const patterns = [
    ...(m.path?.type === 'RegularExpression' ? [m.path.value] : []),
    ...m.headers.filter((h) => h.type === 'RegularExpression').map((h) => h.value),
    ...m.queryParams.filter((q) => q.type === 'RegularExpression').map((q) => q.value),
  ];
  return patterns.map(re2Problem).filter((p): p is string => p !== undefined);
}

export function comparePrecedence(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
