/**
 * Key handling on Node's WebCrypto. Workload keys are ECDSA P-256 PKCS#8 (as Istio's ztunnel generates); CA keys
 * supplied by users (Istio `cacerts`) may also be P-384 or RSA, in PKCS#8, SEC1 or PKCS#1 PEM.
 */
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { derToPem } from './pem.js';

type WebCryptoKey = webcrypto.CryptoKey;

/** A private key ready for signing with @peculiar/x509, plus its public half. */
export interface SigningKey {
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
  /** Signature algorithm to use with this key (hash chosen to match the key strength). */
  readonly signingAlgorithm: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Generates an ECDSA P-256 key pair; returns the private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
export async function generateKeyPair(): Promise<string> {
  const pair = await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', pair.privateKey);
  return derToPem(pkcs8, 'PRIVATE KEY');
}

/** Import parameters for a Node KeyObject; a value error for key types we do not sign with. */
function algorithmFor(key: KeyObject): { importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams; sign: SigningKey['signingAlgorithm'] } | { error: string } {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return { importAlg: P256, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    if (details.namedCurve === 'secp384r1') {
      return { importAlg: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
    }
    return { error: `unsupported EC curve ${details.namedCurve ?? '?'} (want P-256 or P-384)` };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAlg: alg, sign: alg };
  }
  return { error: `unsupported key type ${key.asymmetricKeyType ?? '?'} (want EC or RSA)` };
}

/**
 * Parses a private key PEM (PKCS#8, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`) into WebCrypto keys.
 * Returns `{ error }` naming the problem when the PEM is not a usable key.
 */
export async function importSigningKey(pem: string): Promise<SigningKey | { error: string }> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (err) {
    return { error: `not a private key PEM: ${(err as Error).message}` };
  }
  const alg = algorithmFor(keyObject);
  if ('error' in alg) return alg;
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg.importAlg, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, alg.importAlg, true, ['verify']);
  return { privateKey, publicKey, signingAlgorithm: alg.sign };
}

/** Like importSigningKey but throws (for keys we generated ourselves, where failure is a bug). */
export async function importSigningKeyOrThrow(pem: string): Promise<SigningKey> {
  const key = await importSigningKey(pem);
  if ('error' in key) throw new Error(`ambit crypto: ${key.error}`);
  return key;
}
