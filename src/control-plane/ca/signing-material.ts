/**
 * The CA's signing material: which certificate and key sign leaves, the intermediates sent after the leaf, and the
 * trust roots. Two sources: a self-signed root the CA creates and persists (`<stateDir>/ca/root-cert.pem` +
 * `root-key.pem`), or Istio's plug-in `cacerts` layout supplied by the operator.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as x509 from '../../shared/crypto/x509.js';
import { generateKeyPair, importSigningKey, type SigningKey } from '../../shared/crypto/keys.js';
import { splitPemBundle } from '../../shared/crypto/pem.js';
import { CaError } from './ca-error.js';
import { buildChain, keyMatchesCertificate } from './chain.js';

export interface SigningMaterial {
  /** Certificate whose key signs leaves (the root itself when self-signed). */
  readonly signingCert: x509.X509Certificate;
  readonly signingKey: SigningKey;
  /** PEMs sent between the leaf and the roots, nearest the leaf first (empty when the root signs directly). */
  readonly intermediatesPem: readonly string[];
  /** Trust roots, one PEM each. */
  readonly rootsPem: readonly string[];
  /** Where the material came from, for logs. */
  readonly source: 'created' | 'persisted' | 'plugged';
}

/** Istio's self-signed root lifetime: 10 years. */
const ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

async function createRoot(trustDomain: string, now: Date): Promise<{ certPem: string; keyPem: string }> {
  const keyPem = await generateKeyPair();
  const key = await importSigningKey(keyPem);
  if ('error' in key) throw new CaError('bad-ca-material', `generated root key unusable: ${key.error}`);
  const keys = { privateKey: key.privateKey, publicKey: key.publicKey };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: `O=${trustDomain}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + ROOT_TTL_MS),
    keys,
    signingAlgorithm: key.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(key.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CaError('bad-ca-material', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function decodeOne(pem: string, path: string): x509.X509Certificate {
  const [first] = splitPemBundle(pem);
  if (!first) throw new CaError('bad-ca-material', `${path} holds no CERTIFICATE PEM block`);
  try {
    return new x509.X509Certificate(first);
  } catch (err) {
    throw new CaError('bad-ca-material', `${path} is not a valid certificate: ${(err as Error).message}`, { cause: err });
  }
}

async function loadKeyFor(cert: x509.X509Certificate, keyPath: string, certPath: string): Promise<SigningKey> {
  const key = await importSigningKey(await readPem(keyPath, 'CA key'));
  if ('error' in key) throw new CaError('bad-ca-material', `${keyPath}: ${key.error}`);
  if (!(await keyMatchesCertificate(key, cert))) {
    throw new CaError('bad-ca-material', `${keyPath} is not the private key of ${certPath}`);
  }
  return key;
}

/**
 * Loads `<stateDir>/ca/root-cert.pem` + `root-key.pem`, creating them (key mode 0600) on first start. Refuses to
 * overwrite when only one of the two exists, so a lost certificate never silently replaces a key in use.
 */
export async function loadOrCreateRoot(stateDir: string, trustDomain: string, now: Date): Promise<SigningMaterial> {
  const certPath = join(stateDir, 'ca', 'root-cert.pem');
  const keyPath = join(stateDir, 'ca', 'root-key.pem');
  const haveCert = existsSync(certPath);
  const haveKey = existsSync(keyPath);
  let source: SigningMaterial['source'] = 'persisted';
  if (!haveCert && !haveKey) {
    const created = await createRoot(trustDomain, now);
    await writeFileAtomic(keyPath, created.keyPem, 0o600);
    await writeFileAtomic(certPath, created.certPem, 0o644);
    source = 'created';
  } else if (haveCert !== haveKey) {
    const missing = haveCert ? keyPath : certPath;
    throw new CaError('bad-ca-material', `CA state incomplete: ${missing} is missing (delete both root files to start a new root)`);
  }
  const certPem = await readPem(certPath, 'root certificate');
  const cert = decodeOne(certPem, certPath);
  const signingKey = await loadKeyFor(cert, keyPath, certPath);
  return { signingCert: cert, signingKey, intermediatesPem: [], rootsPem: splitPemBundle(certPem), source };
}

/**
 * Loads Istio's plug-in CA layout from `dir`: `ca-cert.pem` (signing cert), `ca-key.pem`, `cert-chain.pem`
 * (signing cert up to the root; optional) and `root-cert.pem` (one or more roots). Checks the key matches and that
 * the signing cert chains to one of the roots.
 */
export async function loadPlugged(dir: string): Promise<SigningMaterial> {
  const certPath = join(dir, 'ca-cert.pem');
  const signingCert = decodeOne(await readPem(certPath, 'CA certificate'), certPath);
  const bc = signingCert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new CaError('bad-ca-material', `${certPath} is not a CA certificate (BasicConstraints cA is not set)`);
  const signingKey = await loadKeyFor(signingCert, join(dir, 'ca-key.pem'), certPath);
  const rootsPem = splitPemBundle(await readPem(join(dir, 'root-cert.pem'), 'root bundle'));
  if (rootsPem.length === 0) throw new CaError('bad-ca-material', `${join(dir, 'root-cert.pem')} holds no certificates`);
  const chainPath = join(dir, 'cert-chain.pem');
  const chainPem = existsSync(chainPath) ? splitPemBundle(await readPem(chainPath, 'certificate chain')) : [];
  const chain = await buildChain(signingCert, chainPem, rootsPem);
  if ('error' in chain) throw new CaError('bad-ca-material', `${certPath}: ${chain.error}`);
  return { signingCert, signingKey, intermediatesPem: chain.intermediatesPem, rootsPem, source: 'plugged' };
}
