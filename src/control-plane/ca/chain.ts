/** Certificate-path checks for CA material supplied by the operator. */
import { webcrypto } from 'node:crypto';
import * as x509 from '../../shared/crypto/x509.js';
import type { SigningKey } from '../../shared/crypto/keys.js';

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** True when `key`'s public half is the certificate's subject public key. */
export async function keyMatchesCertificate(key: SigningKey, cert: x509.X509Certificate): Promise<boolean> {
  const spki = await webcrypto.subtle.exportKey('spki', key.publicKey);
  return sameBytes(spki, cert.publicKey.rawData);
}

async function signedBy(child: x509.X509Certificate, parent: x509.X509Certificate): Promise<boolean> {
  if (child.issuer !== parent.subject) return false;
  try {
    return await child.verify({ publicKey: parent.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

const MAX_DEPTH = 8;

/**
 * Walks from `signingCert` through `chainPem` to one of `rootsPem`. Returns the certificates to send between a leaf
 * and the roots (signingCert first, roots excluded) or `{ error }` describing where the path breaks.
 */
export async function buildChain(
  signingCert: x509.X509Certificate,
  chainPem: readonly string[],
  rootsPem: readonly string[],
): Promise<{ intermediatesPem: string[] } | { error: string }> {
  const roots = rootsPem.map((p) => new x509.X509Certificate(p));
  const pool = chainPem.map((p) => new x509.X509Certificate(p));
  const isRoot = (c: x509.X509Certificate): boolean => roots.some((r) => sameBytes(r.rawData, c.rawData));
  const path: x509.X509Certificate[] = [];
  let cur = signingCert;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (isRoot(cur)) return { intermediatesPem: path.map((c) => c.toString('pem') + '\n') };
    path.push(cur);
    const root = await findAsync(roots, (r) => signedBy(cur, r));
    if (root) return { intermediatesPem: path.map((c) => c.toString('pem') + '\n') };
    const next = await findAsync(pool, (c) => signedBy(cur, c));
    if (!next || path.includes(next)) {
      return { error: `no issuer for "${cur.subject}" (issuer "${cur.issuer}") in cert-chain.pem or root-cert.pem` };
    }
    cur = next;
  }
  return { error: `certificate chain longer than ${MAX_DEPTH}` };
}

async function findAsync<T>(items: readonly T[], pred: (t: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) if (await pred(item)) return item;
  return undefined;
}
