import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { createCsr, generateKeyPair, parseCertificate, spiffeIdFromCert, splitPemBundle, verifyCsr } from '../../src/shared/crypto/index.js';
import { loadOrCreateCa } from '../../src/control-plane/ca/certificate-authority.js';
import { tempDir } from './ca-fixtures.js';

const ID = 'spiffe://cluster.local/ns/default/sa/sleep';

test('generateKeyPair gives an ECDSA P-256 PKCS#8 PEM', async () => {
  const pem = await generateKeyPair();
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  const key = createPrivateKey(pem);
  assert.equal(key.asymmetricKeyType, 'ec');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('createCsr: empty subject, one URI SAN, ECDSA-SHA256, verifies with openssl', async (t) => {
  const dir = tempDir(t);
  const csr = await createCsr(await generateKeyPair(), ID);
  const path = join(dir, 'req.pem');
  writeFileSync(path, csr);
  const text = execFileSync('openssl', ['req', '-in', path, '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(text, /Subject:\s*\n/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.equal((text.match(/URI:/g) ?? []).length, 1);
  assert.ok(text.includes(`URI:${ID}`));
  const verified = await verifyCsr(csr);
  assert.ok(!('error' in verified));
  assert.deepEqual(verified.uriSans, [ID]);
});

test('verifyCsr reports missing PEM and garbage DER as errors', async () => {
  assert.deepEqual(await verifyCsr('hello'), { error: 'CSR has no "CERTIFICATE REQUEST" PEM block' });
  const garbage = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n';
  const res = await verifyCsr(garbage);
  assert.ok('error' in res && /not valid PKCS#10/.test(res.error));
});

test('parseCertificate, spiffeIdFromCert and splitPemBundle on CA output', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const issued = await ca.issueKeyAndCert({ spiffeId: ID, dnsNames: ['istiod'], ipAddresses: ['127.0.41.7'], ttlSeconds: 600 });
  const leaf = issued.certChainPem[0]!;
  const info = parseCertificate(leaf);
  assert.deepEqual(info.uriSans, [ID]);
  assert.deepEqual(info.dnsSans, ['istiod']);
  assert.deepEqual(info.ipSans, ['127.0.41.7']);
  assert.equal(info.issuer, 'O=cluster.local');
  assert.equal(info.subject, '');
  assert.match(info.serialHex, /^[0-9a-f]+$/);
  assert.equal(spiffeIdFromCert(leaf), ID);
  const bundle = `junk before\n${issued.rootsPem[0]}\r\nbetween\n${leaf.replaceAll('\n', '\r\n')}trailing`;
  const parts = splitPemBundle(bundle);
  assert.equal(parts.length, 2);
  assert.equal(parts[0], issued.rootsPem[0]);
  assert.equal(parts[1], leaf);
  assert.deepEqual(splitPemBundle('no pem here'), []);
});
