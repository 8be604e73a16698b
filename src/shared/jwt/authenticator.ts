/**
 * RequestAuthentication for one request: find the token where the rules say (default `Authorization: Bearer` and the
 * `access_token` query parameter, as Istio), pick the rule by issuer, verify. No token → no request principal (the
 * request continues; AuthorizationPolicy decides). A present but invalid token → rejected with 401, as Istio.
 */
import type { JwtRule } from '../model/objects.js';
import type { Jwks } from './jwks.js';
import { audiencesOf, decodeJwt, verifyJwt } from './verify.js';

export interface AuthenticatedRequest {
  readonly principal: string;
  readonly audiences: readonly string[];
  readonly presenter?: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export type AuthnResult =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'ok';
      readonly auth: AuthenticatedRequest;
      readonly ruleOwner: string;
      /** Header that carried the token, when the rule does not forward it (Istio's default): strip it upstream. */
      readonly stripHeader?: string;
      /** `outputPayloadToHeader`: header name and the base64url payload to send upstream. */
      readonly payloadHeader?: { readonly name: string; readonly value: string };
    }
  | { readonly kind: 'rejected'; readonly error: string; readonly ruleOwner?: string };

/** A JwtRule plus where it came from (`<ns>/<name>` of the RequestAuthentication). */
export interface OwnedJwtRule {
  readonly owner: string;
  readonly rule: JwtRule;
}

/** Key material for a rule: inline `jwks` parsed ahead of time or the cached `jwksUri` download. */
export type JwksLookup = (rule: JwtRule) => Jwks | undefined;

interface FoundToken {
  readonly token: string;
  readonly header?: string;
}

function tokensFrom(rule: JwtRule, headers: ReadonlyMap<string, string>, query: URLSearchParams): FoundToken[] {
  const fromHeaders = rule.fromHeaders.length > 0 || rule.fromParams.length > 0 ? rule.fromHeaders : [{ name: 'authorization', prefix: 'Bearer ' }];
  const fromParams = rule.fromHeaders.length > 0 || rule.fromParams.length > 0 ? rule.fromParams : ['access_token'];
  const out: FoundToken[] = [];
  for (const h of fromHeaders) {
    const name = h.name.toLowerCase();
    const v = headers.get(name);
    if (v === undefined) continue;
    const prefix = h.prefix ?? '';
    if (v.startsWith(prefix)) out.push({ token: v.slice(prefix.length).trim(), header: name });
  }
  for (const p of fromParams) {
    const v = query.get(p);
    if (v) out.push({ token: v });
  }
  return out;
}

export function authenticate(
  rules: readonly OwnedJwtRule[],
  jwks: JwksLookup,
  req: { readonly headers: ReadonlyMap<string, string>; readonly path: string },
  nowSec: number,
): AuthnResult {
  if (rules.length === 0) return { kind: 'none' };
  const q = req.path.indexOf('?');
  const query = new URLSearchParams(q === -1 ? '' : req.path.slice(q + 1));
  let firstError: AuthnResult | undefined;
  for (const owned of rules) {
    for (const { token, header } of tokensFrom(owned.rule, req.headers, query)) {
      const iss = decodeJwt(token)?.claims.iss;
      if (iss !== owned.rule.issuer) {
        firstError ??= { kind: 'rejected', error: decodeJwt(token) ? 'Jwt issuer is not configured' : 'Jwt is not in the form of Header.Payload.Signature' };
        continue;
      }
      const keys = jwks(owned.rule);
      if (!keys) return { kind: 'rejected', error: 'Jwks remote fetch is failed', ruleOwner: owned.owner };
      const r = verifyJwt(token, { jwks: keys, issuer: owned.rule.issuer, audiences: owned.rule.audiences, nowSec });
      if (!r.ok) return { kind: 'rejected', error: r.error, ruleOwner: owned.owner };
      const c = r.claims;
      const auth: AuthenticatedRequest = {
        principal: `${String(c.iss)}/${String(c.sub ?? '')}`,
        audiences: audiencesOf(c),
        claims: c,
        ...(typeof c.azp === 'string' ? { presenter: c.azp } : {}),
      };
      const strip = header !== undefined && !owned.rule.forwardOriginalToken;
      const out = owned.rule.outputPayloadToHeader;
      return {
        kind: 'ok',
        auth,
        ruleOwner: owned.owner,
        ...(strip ? { stripHeader: header } : {}),
        ...(out ? { payloadHeader: { name: out.toLowerCase(), value: token.split('.')[1] ?? '' } } : {}),
      };
    }
  }
  return firstError ?? { kind: 'none' };
}
