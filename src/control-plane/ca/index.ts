/** The mesh CA: signing material, Istio's certificate gRPC service and the control plane's own TLS. */
export { loadOrCreateCa, spiffeIdProblem } from './certificate-authority.js';
export type { CaOptions, CertificateAuthority, IssueRequest, IssuedKeyAndCert } from './certificate-authority.js';
export { CaError } from './ca-error.js';
export type { CaErrorCode } from './ca-error.js';
export { registerCaService } from './ca-service.js';
export type { CaServiceDeps, CaServiceMetrics } from './ca-service.js';
export { authorizeIdentity } from './authorize.js';
export type { CertificateDecision } from './authorize.js';
export { createRotatingServerCredentials, issueServingTls, SERVING_DNS_NAMES } from './serving-cert.js';
export type { RotatingServerCredentials, ServingCertOptions, ServingTls } from './serving-cert.js';
export { createCaMetrics } from './metrics.js';
