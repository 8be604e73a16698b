/**
 * Shared crypto: workload keys and CSRs (as Istio's ztunnel makes them), certificate parsing, PEM bundles and the
 * client of Istio's certificate API. Used by the control plane, ztunnel and waypoints.
 */
export { generateKeyPair, importSigningKey } from './keys.js';
export type { SigningKey } from './keys.js';
export { createCsr, verifyCsr } from './csr.js';
export type { VerifiedCsr } from './csr.js';
export { parseCertificate, spiffeIdFromCert } from './certificate.js';
export type { CertificateInfo } from './certificate.js';
export { derToPem, parsePemBlocks, splitPemBundle } from './pem.js';
export type { PemBlock } from './pem.js';
export { createCaClient } from './ca-client.js';
export type { CaClient, CaClientOptions, CreateCertificateOptions } from './ca-client.js';
export { CREATE_CERTIFICATE_PATH, IMPERSONATED_IDENTITY_KEY, loadCaService, stringStruct } from './ca-proto.js';
export type { IstioCertificateRequest, IstioCertificateResponse } from './ca-proto.js';
