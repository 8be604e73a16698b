/**
 * AuthorizationPolicy → the L4 `istio.security.Authorization` ztunnel enforces, following istiod's
 * convertAuthorizationPolicy (istio-facts.md §7.5):
 * - policies with targetRefs are for waypoints and are not sent;
 * - CUSTOM and AUDIT are not sent (warning);
 * - a rule using an HTTP-only attribute is dropped from an ALLOW policy (more restrictive: a policy whose every rule
 *   was dropped has no groups and matches nothing, so it denies everything it selects), while a DENY policy keeps
 *   the rule with the HTTP attributes omitted (more restrictive again; if only an empty match remains, ztunnel skips
 *   it and that rule has no effect).
 */
import type { AuthzRule } from '../../../shared/model/objects.js';
import type { MeshPolicy } from '../../../shared/model/mesh.js';
import { toAddresses, toPorts, toServiceAccounts, toStringMatches } from './match.js';

export type Match = Record<string, unknown>;
export interface Rules {
  readonly matches: Match[];
}
export interface Group {
  readonly rules: Rules[];
}
export interface AuthorizationMessage {
  readonly name: string;
  readonly namespace: string;
  readonly scope: 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR';
  readonly action: 'ALLOW' | 'DENY';
  readonly groups: Group[];
  readonly dry_run: boolean;
}

export type ConvertResult =
  | { readonly kind: 'converted'; readonly authorization: AuthorizationMessage; readonly warning?: string }
  | { readonly kind: 'skipped'; readonly reason: string; readonly warning?: string };

/** `when` keys ztunnel can evaluate. */
export const L4_WHEN_KEYS: ReadonlySet<string> = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);

const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
const HTTP_SOURCE_FIELDS = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals'] as const;

function present<T extends object>(obj: T, fields: readonly (keyof T)[]): string[] {
  return fields.filter((f) => ((obj[f] as readonly unknown[] | undefined)?.length ?? 0) > 0).map(String);
}

/** Drops empty arrays so encodings and test expectations stay minimal. */
function compact(m: Record<string, readonly unknown[]>): Match {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v.length > 0));
}

function whenMatch(key: string, values: readonly string[] | undefined, invert: boolean): Match {
  const field = (name: string): string => (invert ? `not_${name}` : name);
  switch (key) {
    case 'source.namespace':
      return compact({ [field('namespaces')]: toStringMatches(values) });
    case 'source.principal':
      return compact({ [field('principals')]: toStringMatches(values) });
    case 'source.ip':
      return compact({ [field('source_ips')]: toAddresses(values) });
    case 'destination.ip':
      return compact({ [field('destination_ips')]: toAddresses(values) });
    case 'destination.port':
      return compact({ [field('destination_ports')]: toPorts(values) });
    default:
      return {};
  }
}

/** One AuthorizationPolicy rule → the AND-ed Rules of one Group, plus the HTTP attributes it used. */
export function convertRule(rule: AuthzRule, policyNamespace: string): { rules: Rules[]; http: string[] } {
  const http: string[] = [];
  const toMatches = (rule.to ?? []).map(({ operation: op }) => {
    http.push(...present(op, HTTP_OPERATION_FIELDS));
    return compact({ destination_ports: toPorts(op.ports), not_destination_ports: toPorts(op.notPorts) });
  });
  const fromMatches = (rule.from ?? []).map(({ source: s }) => {
    http.push(...present(s, HTTP_SOURCE_FIELDS));
    return compact({
      source_ips: toAddresses(s.ipBlocks),
      not_source_ips: toAddresses(s.notIpBlocks),
      namespaces: toStringMatches(s.namespaces),
      not_namespaces: toStringMatches(s.notNamespaces),
      service_accounts: toServiceAccounts(s.serviceAccounts, policyNamespace),
      not_service_accounts: toServiceAccounts(s.notServiceAccounts, policyNamespace),
      principals: toStringMatches(s.principals),
      not_principals: toStringMatches(s.notPrincipals),
    });
  });
  const rules: Rules[] = [];
  if (toMatches.length > 0) rules.push({ matches: toMatches });
  if (fromMatches.length > 0) rules.push({ matches: fromMatches });
  for (const c of rule.when ?? []) {
    if (!L4_WHEN_KEYS.has(c.key)) http.push(c.key);
    // Positive and negative values of one condition live in one Match, so they are AND-ed.
    rules.push({ matches: [{ ...whenMatch(c.key, c.values, false), ...whenMatch(c.key, c.notValues, true) }] });
  }
  return { rules, http };
}

/** Whether some group can ever match at ztunnel (a clause of only empty matches never matches). */
export function hasEffectiveGroups(groups: readonly Group[]): boolean {
  return groups.some((g) => g.rules.every((r) => r.matches.some((m) => Object.keys(m).length > 0)));
}

function httpWarning(action: 'ALLOW' | 'DENY', found: readonly string[], groups: readonly Group[]): string {
  const tail =
    action === 'ALLOW'
      ? 'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.'
      : hasEffectiveGroups(groups)
        ? 'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.'
        : 'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.';
  return `ztunnel does not support HTTP attributes (found: ${[...new Set(found)].sort().join(', ')}). In ambient mode you must use a waypoint proxy to enforce HTTP rules. ${tail}`;
}

export function convertPolicy(policy: MeshPolicy): ConvertResult {
  const { scope } = policy;
  if (scope.kind === 'targetRefs') return { kind: 'skipped', reason: 'targetRefs: enforced by waypoints, not ztunnel' };
  const specAction = policy.object.spec.action;
  if (specAction !== 'ALLOW' && specAction !== 'DENY') {
    const reason = `ztunnel does not support the ${specAction} action`;
    return { kind: 'skipped', reason, warning: reason };
  }
  const groups: Group[] = [];
  const http: string[] = [];
  for (const rule of policy.object.spec.rules ?? []) {
    const converted = convertRule(rule, policy.namespace);
    http.push(...converted.http);
    // An ALLOW rule with HTTP attributes can never be satisfied at L4: drop it.
    if (specAction === 'ALLOW' && converted.http.length > 0) continue;
    groups.push({ rules: converted.rules });
  }
  const authorization: AuthorizationMessage = {
    name: policy.name,
    namespace: policy.namespace,
    scope: scope.kind === 'global' ? 'GLOBAL' : scope.kind === 'namespace' ? 'NAMESPACE' : 'WORKLOAD_SELECTOR',
    action: specAction,
    groups,
    dry_run: policy.dryRun,
  };
  if (http.length === 0) return { kind: 'converted', authorization };
  return { kind: 'converted', authorization, warning: httpWarning(specAction, http, groups) };
}
