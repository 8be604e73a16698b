/**
 * PKCS#10 certificate signing requests (RFC 2986), shaped as Istio's ztunnel makes them (ECDSA P-256 with SHA-256,
 * empty subject, a single URI SAN: the SPIFFE id) except that the SAN is requested as critical, as RFC 5280 §4.2.1.6
 * requires when the subject is empty; CAs that enforce it (AWS Private CA, istio/istio#56191) reject Istio's.
 * Built with `node:crypto` and a small DER encoder so the ztunnel never loads @peculiar/x509; verification (control
 * plane CA only) lives in csr-verify.ts and is loaded on first use.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { bitString, derNull, oid, octetString, sequence, setOf, smallInteger, tlv, DER_TAG } from './der.js';
import { derToPem } from './pem.js';
import { SUBJECT_ALT_NAME_OID } from './san.js';
import type { VerifiedCsr } from './csr-verify.js';

export type { VerifiedCsr } from './csr-verify.js';

/** PKCS#9 extensionRequest attribute. */
const EXTENSION_REQUEST_OID = '1.2.840.113549.1.9.14';

/** Signature algorithm per key: the hash matches the key strength, as @peculiar/x509 was configured before. */
function signatureFor(key: KeyObject): { hash: string; algorithm: Buffer } {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return { hash: 'sha256', algorithm: sequence(oid('1.2.840.10045.4.3.2')) };
  if (key.asymmetricKeyType === 'ec' && curve === 'secp384r1') return { hash: 'sha384', algorithm: sequence(oid('1.2.840.10045.4.3.3')) };
  if (key.asymmetricKeyType === 'rsa') return { hash: 'sha256', algorithm: sequence(oid('1.2.840.113549.1.1.11'), derNull()) };
  const what = key.asymmetricKeyType === 'ec' ? `EC curve ${curve ?? '?'}` : `key type ${key.asymmetricKeyType ?? '?'}`;
  throw new Error(`ambit crypto: unsupported ${what} (want EC P-256, P-384 or RSA)`);
}

/** `extensionRequest` attribute holding one critical subjectAltName with a single URI. */
function uriSanRequest(uri: string): Buffer {
  const generalNames = sequence(tlv(DER_TAG.contextPrimitive | 6, Buffer.from(uri, 'latin1')));
  const critical = tlv(DER_TAG.boolean, Buffer.from([0xff]));
  const extension = sequence(oid(SUBJECT_ALT_NAME_OID), critical, octetString(generalNames));
  return sequence(oid(EXTENSION_REQUEST_OID), setOf(sequence(extension)));
}

/** Builds a CSR for `spiffeId` signed with `keyPem` (PKCS#8 PEM from generateKeyPair); returns PEM. */
export async function createCsr(keyPem: string, spiffeId: string): Promise<string> {
  if (!/^[\x20-\x7e]+$/.test(spiffeId)) throw new Error(`ambit crypto: CSR URI SAN "${spiffeId}" must be printable ASCII (IA5String)`);
  const key = createPrivateKey(keyPem);
  const { hash, algorithm } = signatureFor(key);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const info = sequence(
    smallInteger(0), // version v1
    sequence(), // empty subject, as Istio's ztunnel
    spki,
    tlv(DER_TAG.contextConstructed | 0, uriSanRequest(spiffeId)), // attributes [0] IMPLICIT SET OF Attribute
  );
  const signature = sign(hash, info, key); // ECDSA: DER Ecdsa-Sig-Value, as X.509 wants
  return derToPem(sequence(info, algorithm, bitString(signature)), 'CERTIFICATE REQUEST') + '\n';
}

/**
 * Decodes a CSR PEM and verifies its signature; `{ error }` says what is wrong with it. Loads @peculiar/x509 on the
 * first call (only the control plane CA verifies CSRs).
 */
export async function verifyCsr(pem: string): Promise<VerifiedCsr | { error: string }> {
  const { verifyCsrPem } = await import('./csr-verify.js');
  return verifyCsrPem(pem);
}
