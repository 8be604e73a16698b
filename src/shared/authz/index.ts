/** The pure L7 AuthorizationPolicy engine (Istio semantics). */
export type { AuthzAction, AuthzPolicyInput, AuthzRequest, Decision, DecisionExtra, DryRunResult, RequestAuth } from './types.js';
export { createAuthzEngine, type AuthzEngine, type AuthzEngineOptions, type CustomAuthorizer } from './engine.js';
export { normalizePath, type PathNormalization } from './path.js';
export { compileStringMatch } from './string-match.js';
export * from './wire.js';
