/**
 * Compiles an Istio Rule into one predicate. Within a rule `from`, `to` and `when` are AND-ed; entries of `from`
 * (or `to`) are OR-ed; fields of one source/operation are AND-ed; values of a field are OR-ed; `notX` means "matches
 * none of". An absent or empty list imposes nothing; `{}` matches every request.
 */
import type { AuthzOperation, AuthzRule, AuthzSource } from '../model/objects.js';
import type { MatchContext } from './context.js';
import { compileCondition, type CtxPredicate } from './conditions.js';
import { compileAnyOf, type StringMatcher } from './string-match.js';
import { compileCidrs, type IpMatcher } from './ip.js';

const all = (ps: readonly CtxPredicate[]): CtxPredicate =>
  ps.length === 0 ? () => true : ps.length === 1 ? ps[0]! : (c) => ps.every((p) => p(c));
const any = (ps: readonly CtxPredicate[]): CtxPredicate => (ps.length === 1 ? ps[0]! : (c) => ps.some((p) => p(c)));

/** Adds `field` (positive) and `notField` (negative) predicates when the lists are non-empty. */
function pair<M>(
  out: CtxPredicate[],
  pos: readonly string[] | undefined,
  neg: readonly string[] | undefined,
  compile: (values: readonly string[]) => M,
  test: (m: M, c: MatchContext) => boolean,
): void {
  if (pos && pos.length > 0) {
    const m = compile(pos);
    out.push((c) => test(m, c));
  }
  if (neg && neg.length > 0) {
    const m = compile(neg);
    out.push((c) => !test(m, c));
  }
}

function serviceAccounts(policyNs: string) {
  return (values: readonly string[]): StringMatcher => {
    const set = new Set(values.map((v) => (v.includes('/') ? v : `${policyNs}/${v}`)));
    return (v) => v !== undefined && set.has(v);
  };
}

export function compileSource(s: AuthzSource, policyNs: string): CtxPredicate {
  const out: CtxPredicate[] = [];
  const str = (m: StringMatcher, v: string | undefined): boolean => m(v);
  pair(out, s.principals, s.notPrincipals, compileAnyOf, (m, c) => str(m, c.principal));
  pair(out, s.requestPrincipals, s.notRequestPrincipals, compileAnyOf, (m, c) => str(m, c.req.auth?.principal));
  pair(out, s.namespaces, s.notNamespaces, compileAnyOf, (m, c) => str(m, c.namespace));
  pair(out, s.serviceAccounts, s.notServiceAccounts, serviceAccounts(policyNs), (m, c) =>
    str(m, c.namespace && c.serviceAccount ? `${c.namespace}/${c.serviceAccount}` : undefined),
  );
  pair(out, s.ipBlocks, s.notIpBlocks, compileCidrs, (m: IpMatcher, c) => m(c.req.sourceIp));
  pair(out, s.remoteIpBlocks, s.notRemoteIpBlocks, compileCidrs, (m: IpMatcher, c) => m(c.remoteIp));
  return all(out);
}

function portSet(values: readonly string[]): (p: number | undefined) => boolean {
  for (const v of values) if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`port "${v}" is not a number in 0-65535`);
  const set = new Set(values.map(Number));
  return (p) => p !== undefined && set.has(p);
}

/** Host values match the `:authority` with and without its port, case-insensitively. */
function hostValue(host: string): readonly string[] {
  const m = /^(.*):(\d+)$/.exec(host);
  return m && !host.endsWith(']') ? [host, m[1]!] : [host];
}

export function compileOperation(o: AuthzOperation): CtxPredicate {
  const out: CtxPredicate[] = [];
  const hosts = (v: readonly string[]) => compileAnyOf(v, { ignoreCase: true });
  pair(out, o.hosts, o.notHosts, hosts, (m, c) => hostValue(c.req.host).some((h) => m(h)));
  pair(out, o.ports, o.notPorts, portSet, (m, c) => m(c.req.destinationPort));
  pair(out, o.methods, o.notMethods, compileAnyOf, (m, c) => m(c.req.method));
  const paths = (v: readonly string[]) => compileAnyOf(v, { pathTemplates: true });
  pair(out, o.paths, o.notPaths, paths, (m, c) => m(c.path));
  return all(out);
}

/** Compiles one rule; throws (message names the offending field) when a value is invalid. */
export function compileRule(rule: AuthzRule, policyNs: string): CtxPredicate {
  const parts: CtxPredicate[] = [];
  if (rule.from && rule.from.length > 0) parts.push(any(rule.from.map((f) => compileSource(f.source, policyNs))));
  if (rule.to && rule.to.length > 0) parts.push(any(rule.to.map((t) => compileOperation(t.operation))));
  for (const w of rule.when ?? []) parts.push(compileCondition(w));
  return all(parts);
}
