import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../src/control-plane/ca/certificate-authority.js';
import { CaError } from '../../src/control-plane/ca/ca-error.js';
import { createCsr, generateKeyPair, parseCertificate, splitPemBundle } from '../../src/shared/crypto/index.js';
import { opensslVerify, tamperCsr, tempDir } from '../crypto/ca-fixtures.js';

const ID = 'spiffe://cluster.local/ns/default/sa/web';

const openssl = (cwd: string, ...args: string[]): void => void execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** Istio-style cacerts made with the openssl CLI: root (RSA), intermediate (EC P-256) signed by it. */
function makeCacerts(dir: string): string {
  const out = join(dir, 'cacerts');
  mkdirSync(out);
  writeFileSync(join(out, 'ext.cnf'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n');
  openssl(out, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root-key.pem', '-out', 'root-cert.pem',
    '-days', '3650', '-subj', '/O=Istio/CN=Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl(out, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem'); // SEC1 "EC PRIVATE KEY"
  openssl(out, 'req', '-new', '-key', 'ca-key.pem', '-subj', '/O=Istio/CN=Intermediate CA/L=cluster1', '-out', 'ca.csr');
  openssl(out, 'x509', '-req', '-in', 'ca.csr', '-CA', 'root-cert.pem', '-CAkey', 'root-key.pem', '-CAcreateserial',
    '-days', '730', '-extfile', 'ext.cnf', '-out', 'ca-cert.pem');
  writeFileSync(join(out, 'cert-chain.pem'), readFileSync(join(out, 'ca-cert.pem'), 'utf8') + readFileSync(join(out, 'root-cert.pem'), 'utf8'));
  return out;
}

test('self-signed root is created once (key 0600) and reused after a restart', async (t) => {
  const dir = tempDir(t);
  const first = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  assert.equal(first.source, 'created');
  assert.equal(statSync(join(dir, 'ca', 'root-key.pem')).mode & 0o777, 0o600);
  const root = parseCertificate(first.rootsPem[0]!);
  assert.equal(root.isCa, true);
  assert.equal(root.subject, 'O=cluster.local');
  const second = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  assert.equal(second.source, 'persisted');
  assert.deepEqual(second.rootsPem, first.rootsPem);
  // A leaf from the restarted CA verifies against the root persisted by the first.
  const chain = await second.signCsr(await createCsr(await generateKeyPair(), ID), ID);
  assert.match(opensslVerify(dir, chain[0]!, first.rootsPem.join('')), /OK/);
});

test('refuses to start when only one of the root files exists', async (t) => {
  const dir = tempDir(t);
  await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  rmSync(join(dir, 'ca', 'root-cert.pem'));
  await assert.rejects(loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' }), (err: CaError) =>
    err.code === 'bad-ca-material' && /root-cert\.pem is missing/.test(err.message),
  );
});

test('plugged-in cacerts: leaf → intermediate → root, verified by openssl', async (t) => {
  const dir = tempDir(t);
  const cacerts = makeCacerts(dir);
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local', pluggedCertsDir: cacerts });
  assert.equal(ca.source, 'plugged');
  const chain = await ca.signCsr(await createCsr(await generateKeyPair(), ID), ID);
  assert.equal(chain.length, 3, 'leaf, intermediate, root bundle');
  assert.equal(parseCertificate(chain[1]!).subject, parseCertificate(readFileSync(join(cacerts, 'ca-cert.pem'), 'utf8')).subject);
  assert.deepEqual(splitPemBundle(chain[2]!), splitPemBundle(readFileSync(join(cacerts, 'root-cert.pem'), 'utf8')));
  assert.match(opensslVerify(dir, chain[0]!, chain[2]!, [chain[1]!]), /OK/);
  // Without the intermediate the leaf must not verify: proves the intermediate really signed it.
  assert.throws(() => opensslVerify(dir, chain[0]!, chain[2]!));
  assert.deepEqual(parseCertificate(chain[0]!).uriSans, [ID]);
});

test('plugged-in cacerts with a key that does not match ca-cert.pem are refused', async (t) => {
  const dir = tempDir(t);
  const cacerts = makeCacerts(dir);
  copyFileSync(join(cacerts, 'root-key.pem'), join(cacerts, 'ca-key.pem'));
  await assert.rejects(loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local', pluggedCertsDir: cacerts }), (err: CaError) =>
    err.code === 'bad-ca-material' && /ca-key\.pem is not the private key of .*ca-cert\.pem/.test(err.message),
  );
});

test('plugged-in cacerts whose root did not sign the intermediate are refused', async (t) => {
  const dir = tempDir(t);
  const cacerts = makeCacerts(dir);
  const other = makeCacerts(join(tempDir(t)));
  copyFileSync(join(other, 'root-cert.pem'), join(cacerts, 'root-cert.pem'));
  writeFileSync(join(cacerts, 'cert-chain.pem'), readFileSync(join(cacerts, 'ca-cert.pem')));
  await assert.rejects(loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local', pluggedCertsDir: cacerts }), (err: CaError) =>
    err.code === 'bad-ca-material' && /no issuer/.test(err.message),
  );
});

test('signCsr: bad signature and foreign trust domain are error values with codes; TTL is capped', async (t) => {
  const dir = tempDir(t);
  const now = new Date('2030-01-01T00:00:00Z');
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local', maxTtlSeconds: 7200, now: () => now });
  const csr = await createCsr(await generateKeyPair(), ID);
  const tampered = tamperCsr(csr);
  await assert.rejects(ca.signCsr(tampered, ID), (err: CaError) =>
    err instanceof CaError && err.code === 'invalid-csr' && /signature does not match/.test(err.message),
  );
  await assert.rejects(ca.signCsr(csr, 'spiffe://other.domain/ns/a/sa/b'), (err: CaError) => err.code === 'invalid-identity');
  await assert.rejects(ca.signCsr(csr, 'https://cluster.local/ns/a/sa/b'), (err: CaError) => err.code === 'invalid-identity');
  const leaf = parseCertificate((await ca.signCsr(csr, ID, 365 * 86400))[0]!);
  assert.equal(leaf.notAfter.getTime(), now.getTime() + 7200_000);
});

test('plugged-in cacerts where the RSA root signs directly: chain is [leaf, root]', async (t) => {
  const dir = tempDir(t);
  const cacerts = makeCacerts(dir);
  copyFileSync(join(cacerts, 'root-cert.pem'), join(cacerts, 'ca-cert.pem'));
  copyFileSync(join(cacerts, 'root-key.pem'), join(cacerts, 'ca-key.pem'));
  rmSync(join(cacerts, 'cert-chain.pem'));
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local', pluggedCertsDir: cacerts });
  const chain = await ca.signCsr(await createCsr(await generateKeyPair(), ID), ID);
  assert.equal(chain.length, 2);
  assert.match(opensslVerify(dir, chain[0]!, chain[1]!), /OK/);
});
