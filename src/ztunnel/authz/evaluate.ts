/**
 * L4 authorization as Istio's ztunnel (`assert_rbac`): DENY policies first (any match denies), then ALLOW (none
 * applies → allow; one matches → allow; else deny). Dry-run policies are evaluated but only reported.
 */
import { cidrContains, normalizeIp } from '../state/ip.js';
import type { PolicyMatch, PolicyRule, StringMatch, ZPolicy } from '../state/types.js';
import { parseSpiffeId } from '../../shared/constants.js';

export interface ConnectionAttributes {
  /** Peer SPIFFE id from mTLS; undefined for plaintext (15006). */
  readonly sourceIdentity?: string;
  readonly sourceIp: string;
  readonly destinationIp: string;
  readonly destinationPort: number;
}

/** What one dry-run policy would decide for a connection, judged on its own (as the waypoint brain counts them). */
export interface DryRunVerdict {
  readonly policy: ZPolicy;
  readonly result: 'allow' | 'deny';
}

interface DryRunReport {
  /** Each dry-run policy's own verdict (the `ambit_authz_dry_run_decisions_total` metric). */
  readonly dryRun: readonly DryRunVerdict[];
  /**
   * The dry-run policies that would have denied the connection had they been enforced (the access log): DENYs that
   * match, and the ALLOWs as a set, as enforcement judges them, when none of them matches.
   */
  readonly dryRunDenials: readonly string[];
}

export type AuthzDecision = DryRunReport &
  (
    | { readonly allow: true; /** ALLOW policy that matched; undefined when no ALLOW policy applies. */ readonly policy?: string }
    | { readonly allow: false; readonly policy: string; readonly reason: string }
  );

const NONE: readonly never[] = Object.freeze([]);

export function evaluate(policies: readonly ZPolicy[], conn: ConnectionAttributes): AuthzDecision {
  const report = dryRunReport(policies, conn);
  const denied = policies.find((p) => p.action === 'DENY' && !p.dryRun && matchesPolicy(p, conn));
  if (denied) return { allow: false, policy: denied.key, reason: 'explicitly denied', ...report };
  const allow = policies.filter((p) => p.action === 'ALLOW' && !p.dryRun);
  if (allow.length === 0) return { allow: true, ...report };
  const matched = allow.find((p) => matchesPolicy(p, conn));
  if (matched) return { allow: true, policy: matched.key, ...report };
  return { allow: false, policy: allow.map((p) => p.key).sort().join(','), reason: 'allow policies exist, but none allowed', ...report };
}

/** Every dry-run policy matched once: its own verdict, and which of them would have denied. */
function dryRunReport(policies: readonly ZPolicy[], conn: ConnectionAttributes): DryRunReport {
  if (!policies.some((p) => p.dryRun)) return { dryRun: NONE, dryRunDenials: NONE };
  const dryRun: DryRunVerdict[] = [];
  for (const p of policies) {
    if (p.dryRun) dryRun.push({ policy: p, result: (p.action === 'DENY') === matchesPolicy(p, conn) ? 'deny' : 'allow' });
  }
  const dryRunDenials = dryRun.filter((v) => v.policy.action === 'DENY' && v.result === 'deny').map((v) => v.policy.key);
  const allows = dryRun.filter((v) => v.policy.action === 'ALLOW');
  if (allows.length > 0 && allows.every((v) => v.result === 'deny')) dryRunDenials.push(...allows.map((v) => v.policy.key).sort());
  return { dryRun, dryRunDenials };
}

/** Rules OR-ed; a policy with no rules matches nothing. */
function matchesPolicy(p: ZPolicy, conn: ConnectionAttributes): boolean {
  return p.rules.some((rule) => matchesRule(rule, conn));
}

/**
 * Clauses AND-ed; inside a clause the matches are OR-ed. An empty clause list matches (`rules: [{}]`), but an empty
 * match inside a clause never does: istiod leaves one behind when a DENY rule held only HTTP attributes, and Istio's
 * ztunnel skips it, so such a rule has no effect instead of denying everything.
 */
function matchesRule(rule: PolicyRule, conn: ConnectionAttributes): boolean {
  return rule.every((clause) => clause.some((m) => matchesMatch(m, conn)));
}

function matchesMatch(m: PolicyMatch, conn: ConnectionAttributes): boolean {
  const peer = conn.sourceIdentity ? parseSpiffeId(conn.sourceIdentity) : undefined;
  const principal = conn.sourceIdentity?.replace(/^spiffe:\/\//, '');
  const srcIp = normalizeIp(conn.sourceIp);
  const dstIp = normalizeIp(conn.destinationIp);
  const checks: [boolean, () => boolean][] = [
    [m.namespaces.length > 0, () => peer !== undefined && m.namespaces.some((s) => matchString(s, peer.namespace))],
    [m.notNamespaces.length > 0, () => !(peer !== undefined && m.notNamespaces.some((s) => matchString(s, peer.namespace)))],
    [m.principals.length > 0, () => principal !== undefined && m.principals.some((s) => matchString(s, principal))],
    [m.notPrincipals.length > 0, () => !(principal !== undefined && m.notPrincipals.some((s) => matchString(s, principal)))],
    [m.sourceIps.length > 0, () => m.sourceIps.some((c) => cidrContains(c.ip, c.length, srcIp))],
    [m.notSourceIps.length > 0, () => !m.notSourceIps.some((c) => cidrContains(c.ip, c.length, srcIp))],
    [m.destinationIps.length > 0, () => m.destinationIps.some((c) => cidrContains(c.ip, c.length, dstIp))],
    [m.notDestinationIps.length > 0, () => !m.notDestinationIps.some((c) => cidrContains(c.ip, c.length, dstIp))],
    [m.destinationPorts.length > 0, () => m.destinationPorts.includes(conn.destinationPort)],
    [m.notDestinationPorts.length > 0, () => !m.notDestinationPorts.includes(conn.destinationPort)],
    [m.serviceAccounts.length > 0, () => peer !== undefined && m.serviceAccounts.some((s) => s.namespace === peer.namespace && s.serviceAccount === peer.serviceAccount)],
    [m.notServiceAccounts.length > 0, () => !(peer !== undefined && m.notServiceAccounts.some((s) => s.namespace === peer.namespace && s.serviceAccount === peer.serviceAccount))],
  ];
  const applicable = checks.filter(([applies]) => applies);
  return applicable.length > 0 && applicable.every(([, check]) => check());
}

function matchString(m: StringMatch, value: string): boolean {
  switch (m.kind) {
    case 'exact':
      return value === m.value;
    case 'prefix':
      return value.startsWith(m.value);
    case 'suffix':
      return value.endsWith(m.value);
    case 'presence':
      return value !== '';
  }
}
