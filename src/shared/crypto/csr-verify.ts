/** CSR verification for the control plane CA, on @peculiar/x509 (kept out of the ztunnel: see csr.ts). */
import * as x509 from './x509.js';
import { firstPemDer } from './pem.js';
import { sansOfType } from './certificate.js';

/** A CSR whose self-signature has been checked. */
export interface VerifiedCsr {
  readonly publicKey: x509.PublicKey;
  /** URI SANs the requester asked for; informative only — a CA must not trust them. */
  readonly uriSans: readonly string[];
}

/** Decodes a CSR PEM and verifies its signature; `{ error }` says what is wrong with it. */
export async function verifyCsrPem(pem: string): Promise<VerifiedCsr | { error: string }> {
  const der = firstPemDer(pem, 'CERTIFICATE REQUEST') ?? firstPemDer(pem, 'NEW CERTIFICATE REQUEST');
  if (!der) return { error: 'CSR has no "CERTIFICATE REQUEST" PEM block' };
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (err) {
    return { error: `CSR is not valid PKCS#10 DER: ${(err as Error).message}` };
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch (err) {
    return { error: `CSR signature cannot be checked: ${(err as Error).message}` };
  }
  if (!ok) return { error: 'CSR signature does not match its public key' };
  return { publicKey: csr.publicKey, uriSans: sansOfType(csr.extensions, 'url') };
}
