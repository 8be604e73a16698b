/**
 * The brain's view of its policies at one version: compiled authz engine, JWT rules per service, sticky routes per
 * service, settings. Immutable; the store swaps a new one in on every accepted update, so a request always sees one
 * consistent set.
 */
import { createAuthzEngine, type AuthzEngine, type AuthzPolicyInput } from '../../shared/authz/index.js';
import type { BrainSettingsInput, RequestAuthnInput, StickyRouteInput } from '../../shared/authz/wire.js';
import type { OwnedJwtRule } from '../../shared/jwt/index.js';
import type { JwtRule } from '../../shared/model/objects.js';

export interface PolicyInputs {
  readonly policies: readonly AuthzPolicyInput[];
  readonly requestAuthentications: readonly RequestAuthnInput[];
  readonly stickyRoutes: readonly StickyRouteInput[];
  readonly settings?: BrainSettingsInput;
}

export interface PolicyState {
  readonly version: number;
  readonly engine: AuthzEngine;
  readonly settings: BrainSettingsInput;
  jwtRulesFor(service: string | undefined): readonly OwnedJwtRule[];
  /** Every JWT rule (to prefetch remote JWKS). */
  allJwtRules(): readonly JwtRule[];
  stickyFor(service: string | undefined): StickyRouteInput | undefined;
  /** Service key for a `:authority` (hostname or short name, port ignored), among services policies name. */
  serviceForHost(host: string): string | undefined;
  readonly problems: readonly string[];
}

export const DEFAULT_SETTINGS: BrainSettingsInput = { debug: false, pathNormalization: 'BASE' };

function byService<T extends { readonly services: readonly string[] }>(items: readonly T[]): { wide: T[]; scoped: Map<string, T[]> } {
  const wide: T[] = [];
  const scoped = new Map<string, T[]>();
  for (const it of items) {
    if (it.services.length === 0) wide.push(it);
    for (const s of it.services) scoped.set(s, [...(scoped.get(s) ?? []), it]);
  }
  return { wide, scoped };
}

/** Hostnames a client may use for `<ns>/<name>.<ns>.svc.<suffix>`: full, `name.ns.svc`, `name.ns`, and `name` (same ns). */
function hostAliases(serviceKey: string): string[] {
  const slash = serviceKey.indexOf('/');
  const host = serviceKey.slice(slash + 1);
  const m = /^([^.]+)\.([^.]+)\.svc(\..+)?$/.exec(host);
  return m ? [host, `${m[1]}.${m[2]}.svc`, `${m[1]}.${m[2]}`, m[1]!] : [host];
}

export function buildPolicyState(inputs: PolicyInputs, version: number): PolicyState {
  const engine = createAuthzEngine(inputs.policies, { pathNormalization: inputs.settings?.pathNormalization ?? 'BASE' });
  const authn = byService(inputs.requestAuthentications);
  const owned = (ras: readonly RequestAuthnInput[]): OwnedJwtRule[] =>
    ras.flatMap((ra) => ra.jwtRules.map((rule) => ({ owner: `${ra.namespace}/${ra.name}`, rule })));
  const wideRules = owned(authn.wide);
  const sticky = byService(inputs.stickyRoutes);
  const hosts = new Map<string, string>();
  const keys = new Set([
    ...inputs.policies.flatMap((p) => p.services),
    ...inputs.requestAuthentications.flatMap((r) => r.services),
    ...inputs.stickyRoutes.flatMap((r) => r.services),
  ]);
  for (const key of [...keys].sort()) for (const alias of hostAliases(key)) if (!hosts.has(alias)) hosts.set(alias, key);
  const ruleCache = new Map<string, OwnedJwtRule[]>();
  return {
    version,
    engine,
    settings: inputs.settings ?? DEFAULT_SETTINGS,
    problems: engine.problems,
    jwtRulesFor(service) {
      if (service === undefined) return wideRules;
      let hit = ruleCache.get(service);
      if (!hit) {
        hit = [...wideRules, ...owned(authn.scoped.get(service) ?? [])];
        ruleCache.set(service, hit);
      }
      return hit;
    },
    allJwtRules: () => inputs.requestAuthentications.flatMap((r) => r.jwtRules),
    stickyFor(service) {
      return (service !== undefined ? sticky.scoped.get(service)?.[0] : undefined) ?? sticky.wide[0];
    },
    serviceForHost(host) {
      const bare = host.replace(/:\d+$/, '').toLowerCase();
      return hosts.get(bare);
    },
  };
}
