/**
 * Inputs and outputs of the L7 authorization engine. The engine is pure: the brain maps an Envoy CheckRequest onto an
 * `AuthzRequest`, the control plane's policies onto `AuthzPolicyInput`s, and gets back a `Decision` value.
 */
import type { AuthzRule } from '../model/objects.js';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** One AuthorizationPolicy as the waypoint enforces it (Istio field names; see istio.security.v1beta1). */
export interface AuthzPolicyInput {
  readonly namespace: string;
  readonly name: string;
  readonly action: AuthzAction;
  /** CUSTOM only: MeshConfig extension provider name. */
  readonly provider?: string;
  /** undefined or empty = matches nothing (ALLOW with no rules is "allow-nothing"). */
  readonly rules?: readonly AuthzRule[];
  /** `istio.io/dry-run: "true"`: evaluated and reported, never enforced. */
  readonly dryRun: boolean;
  /** Service keys (`<ns>/<hostname>`) whose traffic this policy governs; empty = every request through the waypoint. */
  readonly services: readonly string[];
}

/** Validated request principal from RequestAuthentication (JWT). */
export interface RequestAuth {
  /** `<iss>/<sub>`. */
  readonly principal: string;
  readonly audiences: readonly string[];
  /** `azp` claim. */
  readonly presenter?: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** The request attributes policies can match on. Header names are lower-case. */
export interface AuthzRequest {
  /** Service key (`<ns>/<hostname>`) the request is for; selects the service-scoped policies. */
  readonly service?: string;
  /** Peer identity as a SPIFFE URI (`spiffe://td/ns/x/sa/y`), from the HBONE peer certificate. */
  readonly sourcePrincipal?: string;
  /** Direct peer address (Istio `source.ip`, Envoy `direct_remote_ip`). */
  readonly sourceIp?: string;
  /** Original client address (Istio `remote.ip`, Envoy `remote_ip`); defaults to sourceIp. */
  readonly remoteIp?: string;
  readonly destinationIp?: string;
  readonly destinationPort?: number;
  /** Downstream TLS SNI (`connection.sni`). */
  readonly sni?: string;
  readonly host: string;
  readonly method: string;
  /** Request path as received (query string allowed; it is ignored by path matching). */
  readonly path: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly auth?: RequestAuth;
}

export type DecisionReason = 'custom-denied' | 'deny-matched' | 'no-allow-matched' | 'allow-matched' | 'no-policy';

/** What an enforced decision rests on. `policy` is `<ns>/<name>`; `rule` the 0-based rule index that matched. */
export type Decision =
  | { readonly allow: true; readonly reason: 'allow-matched' | 'no-policy'; readonly policy?: string; readonly rule?: number; readonly extra: DecisionExtra }
  | { readonly allow: false; readonly reason: 'custom-denied' | 'deny-matched' | 'no-allow-matched'; readonly policy: string; readonly rule?: number; readonly extra: DecisionExtra };

/** Result of one dry-run policy: what it would have done on its own. */
export interface DryRunResult {
  readonly policy: string;
  readonly namespace: string;
  readonly name: string;
  readonly action: AuthzAction;
  readonly result: 'allow' | 'deny';
  readonly rule?: number;
}

export interface DecisionExtra {
  /** AUDIT policies that matched (logged only). */
  readonly audited: readonly string[];
  readonly dryRun: readonly DryRunResult[];
}
