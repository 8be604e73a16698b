/**
 * The L7 authorization engine. Policies are compiled once into predicates and indexed by the service they govern, so
 * a request only looks at the policies of its own service plus the waypoint-wide ones: the cost of a decision does not
 * grow with unrelated policies. Evaluation order is Istio's: CUSTOM → DENY → ALLOW; AUDIT only marks; dry-run
 * policies are evaluated on the side and never change the decision.
 */
import type { AuthzAction, AuthzPolicyInput, AuthzRequest, Decision, DecisionExtra, DryRunResult } from './types.js';
import type { PathNormalization } from './path.js';
import { buildContext, type MatchContext } from './context.js';
import { compileRule } from './rule.js';
import type { CtxPredicate } from './conditions.js';

/** Decides a CUSTOM policy's request by asking its extension provider; `true` = allowed. */
export type CustomAuthorizer = (provider: string, req: AuthzRequest) => boolean;

export interface AuthzEngineOptions {
  /** Default `BASE`, Istio's default. */
  readonly pathNormalization?: PathNormalization;
  /** Without one, a matching CUSTOM policy denies (Istio fails closed when a provider is unknown). */
  readonly customAuthorizer?: CustomAuthorizer;
}

interface CompiledPolicy {
  readonly key: string;
  readonly input: AuthzPolicyInput;
  readonly rules: readonly CtxPredicate[];
}

export interface AuthzEngine {
  evaluate(req: AuthzRequest): Decision;
  /** `<ns>/<name>: rules[i]: message` for every rule that could not be compiled (and was made fail-closed). */
  readonly problems: readonly string[];
  readonly policyCount: number;
}

const never: CtxPredicate = () => false;
const always: CtxPredicate = () => true;

function compilePolicy(p: AuthzPolicyInput, problems: string[]): CompiledPolicy {
  const key = `${p.namespace}/${p.name}`;
  const rules = (p.rules ?? []).map((r, i) => {
    try {
      return compileRule(r, p.namespace);
    } catch (e) {
      problems.push(`${key}: rules[${i}]: ${(e as Error).message}`);
      // Fail closed: a broken ALLOW rule allows nothing; a broken DENY rule denies everything.
      return p.action === 'ALLOW' ? never : always;
    }
  });
  return { key, input: p, rules };
}

/** Index of the first matching rule, or -1. */
function firstMatch(p: CompiledPolicy, ctx: MatchContext): number {
  for (let i = 0; i < p.rules.length; i++) if (p.rules[i]!(ctx)) return i;
  return -1;
}

export function createAuthzEngine(policies: readonly AuthzPolicyInput[], opts: AuthzEngineOptions = {}): AuthzEngine {
  const problems: string[] = [];
  const wide: CompiledPolicy[] = [];
  const byService = new Map<string, CompiledPolicy[]>();
  const sorted = [...policies].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const p of sorted) {
    const c = compilePolicy(p, problems);
    if (p.services.length === 0) wide.push(c);
    for (const s of p.services) {
      const list = byService.get(s) ?? [];
      list.push(c);
      byService.set(s, list);
    }
  }
  const normalization = opts.pathNormalization ?? 'BASE';
  const custom = opts.customAuthorizer ?? (() => false);

  const evaluate = (req: AuthzRequest): Decision => {
    const scoped = req.service !== undefined ? byService.get(req.service) : undefined;
    const applicable = scoped ? [...wide, ...scoped] : wide;
    const ctx = buildContext(req, normalization);
    const extra = sideResults(applicable, ctx);
    const enforced = (action: AuthzAction) => applicable.filter((p) => !p.input.dryRun && p.input.action === action);
    for (const p of enforced('CUSTOM')) {
      const rule = firstMatch(p, ctx);
      if (rule >= 0 && !custom(p.input.provider ?? '', req)) return { allow: false, reason: 'custom-denied', policy: p.key, rule, extra };
    }
    for (const p of enforced('DENY')) {
      const rule = firstMatch(p, ctx);
      if (rule >= 0) return { allow: false, reason: 'deny-matched', policy: p.key, rule, extra };
    }
    const allows = enforced('ALLOW');
    if (allows.length === 0) return { allow: true, reason: 'no-policy', extra };
    for (const p of allows) {
      const rule = firstMatch(p, ctx);
      if (rule >= 0) return { allow: true, reason: 'allow-matched', policy: p.key, rule, extra };
    }
    return { allow: false, reason: 'no-allow-matched', policy: allows.map((p) => p.key).join(','), extra };
  };
  return { evaluate, problems, policyCount: policies.length };
}

/** AUDIT matches and the verdict of every dry-run policy, each judged on its own. */
function sideResults(applicable: readonly CompiledPolicy[], ctx: MatchContext): DecisionExtra {
  const audited: string[] = [];
  const dryRun: DryRunResult[] = [];
  for (const p of applicable) {
    const { action, dryRun: isDry, namespace, name } = p.input;
    if (action === 'AUDIT') {
      if (firstMatch(p, ctx) >= 0) audited.push(p.key);
      continue;
    }
    if (!isDry || action === 'CUSTOM') continue;
    const rule = firstMatch(p, ctx);
    const matched = rule >= 0;
    const result = action === 'DENY' ? (matched ? 'deny' : 'allow') : matched ? 'allow' : 'deny';
    dryRun.push({ policy: p.key, namespace, name, action, result, ...(matched ? { rule } : {}) });
  }
  return { audited, dryRun };
}
