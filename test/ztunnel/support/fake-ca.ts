/**
 * A real CA for tests, driven by the openssl CLI: a self-signed P-256 root and leaf certificates with one SPIFFE URI
 * SAN, ServerAuth+ClientAuth EKUs (as Istio's CA issues). Implements the ztunnel's CertificateSource.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificateSource } from '../../../src/ztunnel/identity/cert-manager.js';

const run = promisify(execFile);

export interface FakeCa extends CertificateSource {
  readonly rootPem: string;
  /** Number of certificates issued so far, per identity. */
  readonly issued: Map<string, number>;
  /** Make fetch fail (simulates the CA being down). */
  failing: boolean;
  close(): Promise<void>;
}

export async function createFakeCa(name = 'ambit-test-ca'): Promise<FakeCa> {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-fake-ca-'));
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '2', '-subj', `/O=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const rootPem = await readFile(join(dir, 'ca.pem'), 'utf8');
  let serial = 0;
  const ca: FakeCa = {
    rootPem,
    issued: new Map(),
    failing: false,
    async fetch(identity) {
      if (ca.failing) throw new Error('fake CA unavailable');
      const n = ++serial;
      const key = join(dir, `leaf-${n}.key`);
      const csr = join(dir, `leaf-${n}.csr`);
      const crt = join(dir, `leaf-${n}.pem`);
      const ext = join(dir, `leaf-${n}.ext`);
      await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=critical,URI:${identity}\n`);
      await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/O=ambit']);
      await run('openssl', ['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-set_serial', String(1000 + n), '-days', '1', '-extfile', ext, '-out', crt]);
      ca.issued.set(identity, (ca.issued.get(identity) ?? 0) + 1);
      return { keyPem: await readFile(key, 'utf8'), chain: [await readFile(crt, 'utf8'), rootPem] };
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ca;
}
