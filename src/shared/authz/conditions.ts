/**
 * `when` conditions: the keys Istio's Envoy-side builder understands (istio.io "Authorization Policy Conditions").
 * Each key resolves to a list of request values; `values` match if any value matches any pattern, `notValues` if
 * none does. IP keys take CIDRs, `destination.port` takes integers, the rest use Istio string matching.
 */
import type { AuthzCondition } from '../model/objects.js';
import type { MatchContext } from './context.js';
import { compileAnyOf, type StringMatcher } from './string-match.js';
import { compileCidrs } from './ip.js';

export type CtxPredicate = (ctx: MatchContext) => boolean;
type Extract = (ctx: MatchContext) => readonly string[];
type Compile = (patterns: readonly string[]) => StringMatcher;

const strings: Compile = (p) => compileAnyOf(p);
const cidrs: Compile = (p) => compileCidrs(p);
const ports: Compile = (p) => {
  for (const v of p) if (!/^\d+$/.test(v)) throw new Error(`"${v}" is not a port number`);
  const set = new Set(p.map(Number));
  return (v) => v !== undefined && set.has(Number(v));
};

const one = (v: string | undefined): readonly string[] => (v === undefined || v === '' ? [] : [v]);

const SIMPLE: Readonly<Record<string, { extract: Extract; compile: Compile }>> = {
  'source.ip': { extract: (c) => one(c.req.sourceIp), compile: cidrs },
  'remote.ip': { extract: (c) => one(c.remoteIp), compile: cidrs },
  'destination.ip': { extract: (c) => one(c.req.destinationIp), compile: cidrs },
  'destination.port': { extract: (c) => one(c.req.destinationPort?.toString()), compile: ports },
  'source.namespace': { extract: (c) => one(c.namespace), compile: strings },
  'source.principal': { extract: (c) => one(c.principal), compile: strings },
  'source.serviceAccount': {
    extract: (c) => (c.namespace && c.serviceAccount ? [`${c.namespace}/${c.serviceAccount}`] : []),
    compile: strings,
  },
  'source.trustDomain': { extract: (c) => one(c.trustDomain), compile: strings },
  'connection.sni': { extract: (c) => one(c.req.sni), compile: strings },
  'request.auth.principal': { extract: (c) => one(c.req.auth?.principal), compile: strings },
  'request.auth.audiences': { extract: (c) => c.req.auth?.audiences ?? [], compile: strings },
  'request.auth.presenter': { extract: (c) => one(c.req.auth?.presenter), compile: strings },
};

/** Compiles one condition; throws with a message naming the key when it is not understood. */
export function compileCondition(cond: AuthzCondition): CtxPredicate {
  const extract = extractorFor(cond.key);
  const compile = SIMPLE[cond.key]?.compile ?? strings;
  const values = cond.values ?? [];
  const notValues = cond.notValues ?? [];
  if (values.length === 0 && notValues.length === 0) throw new Error(`when "${cond.key}": needs values or notValues`);
  const pos = values.length > 0 ? compile(values) : undefined;
  const neg = notValues.length > 0 ? compile(notValues) : undefined;
  return (ctx) => {
    const got = extract(ctx);
    if (pos && !got.some((v) => pos(v))) return false;
    if (neg && got.some((v) => neg(v))) return false;
    return true;
  };
}

function extractorFor(key: string): Extract {
  const simple = SIMPLE[key];
  if (simple) return simple.extract;
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const name = header[1]!.toLowerCase();
    return (c) => one(c.req.headers.get(name));
  }
  if (key.startsWith('request.auth.claims[')) {
    const path = parseClaimPath(key.slice('request.auth.claims'.length));
    return (c) => claimValues(c.req.auth?.claims, path);
  }
  throw new Error(`when: unsupported key "${key}"`);
}

/** `[a][b]` → ['a','b']; Istio also accepts dotted single names as one claim. */
function parseClaimPath(s: string): readonly string[] {
  const parts = [...s.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
  if (parts.length === 0 || parts.join('').length + parts.length * 2 !== s.length) throw new Error(`when: bad claim key "request.auth.claims${s}"`);
  return parts;
}

function claimValues(claims: Readonly<Record<string, unknown>> | undefined, path: readonly string[]): readonly string[] {
  let cur: unknown = claims;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return [];
    cur = (cur as Record<string, unknown>)[p];
  }
  if (typeof cur === 'string') return [cur];
  if (typeof cur === 'number' || typeof cur === 'boolean') return [String(cur)];
  if (Array.isArray(cur)) return cur.filter((v): v is string => typeof v === 'string');
  return [];
}
