/**
 * CertificateSource backed by the control plane's Istio CA API: a fresh P-256 key and CSR per request, sent with
 * `ImpersonatedIdentity` (the node proxy asks on behalf of its workloads, as Istio's shared-mode ztunnel).
 */
import type { CaClient } from '../../shared/crypto/ca-client.js';
import { createCsr } from '../../shared/crypto/csr.js';
import { generateKeyPair } from '../../shared/crypto/keys.js';
import type { CertificateSource } from './cert-manager.js';

/** Istio ztunnel's SECRET_TTL default: 24 h. */
export const DEFAULT_CERT_TTL_SECONDS = 24 * 60 * 60;

export function createCaCertificateSource(config: { ttlSeconds?: number }, deps: { ca: CaClient }): CertificateSource {
  return {
    async fetch(identity) {
      const keyPem = await generateKeyPair();
      const csr = await createCsr(keyPem, identity);
      const chain = await deps.ca.createCertificate(csr, { impersonatedIdentity: identity, ttlSeconds: config.ttlSeconds ?? DEFAULT_CERT_TTL_SECONDS });
      return { keyPem, chain };
    },
  };
}
