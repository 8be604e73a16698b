/** The waypoint brain: ext_authz (L7 AuthorizationPolicy + RequestAuthentication), ext_proc, access-log metrics. */
export { createBrain, type Brain, type BrainConfig, type BrainDeps, type PolicySource, type PolicySink } from './brain.js';
export { createPolicyStore, type PolicyStore, type XdsResourceUpdate } from './policy-store.js';
export type { PolicyInputs, PolicyState } from './policy-state.js';
export { createCheckHandler, type CheckHandler, type CheckResponseMessage } from './authz-service.js';
export type { CheckRequestMessage } from './check-request.js';
export * from './constants.js';
