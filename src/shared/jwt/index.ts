/** JWT validation for RequestAuthentication (Envoy jwt_authn semantics). */
export { parseJwks, type Jwks, type JwkEntry, type JwksResult } from './jwks.js';
export { verifyJwt, decodeJwt, audiencesOf, type JwtResult, type VerifyOptions } from './verify.js';
export { authenticate, type AuthnResult, type AuthenticatedRequest, type OwnedJwtRule, type JwksLookup } from './authenticator.js';
