/**
 * The ztunnel's CSR builder and SAN reader run on node:crypto alone: same CSR shape as @peculiar/x509 produced,
 * accepted by openssl and by the control plane CA, and the ztunnel's module graph never loads @peculiar/x509.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCsr, verifyCsr } from '../../../src/shared/crypto/csr.js';
import { generateKeyPair, importSigningKeyOrThrow } from '../../../src/shared/crypto/keys.js';
import { parseCertificate } from '../../../src/shared/crypto/certificate.js';
import { firstPemDer } from '../../../src/shared/crypto/pem.js';
import { certificateUriSans } from '../../../src/shared/crypto/san.js';
import { oidText, readChildren, readElement } from '../../../src/shared/crypto/der.js';
import * as x509 from '../../../src/shared/crypto/x509.js';
import { loadOrCreateCa } from '../../../src/control-plane/ca/certificate-authority.js';
import { tempDir } from '../../crypto/ca-fixtures.js';

const ID = 'spiffe://cluster.local/ns/default/sa/sleep';

const csrParts = (pem: string) => readChildren(readElement(firstPemDer(pem, 'CERTIFICATE REQUEST')!).content);

test('createCsr: the same request info and algorithm bytes @peculiar/x509 produced for the same key', async () => {
  const keyPem = await generateKeyPair();
  const key = await importSigningKeyOrThrow(keyPem);
  const reference = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: key.signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: ID }], true)],
  });
  const ours = csrParts(await createCsr(keyPem, ID));
  const theirs = readChildren(readElement(Buffer.from(reference.rawData)).content);
  assert.equal(ours.length, 3);
  assert.ok(ours[0]!.content.equals(theirs[0]!.content), 'certificationRequestInfo differs');
  assert.ok(ours[1]!.content.equals(theirs[1]!.content), 'signatureAlgorithm differs');
});

test('createCsr: openssl verifies it and shows an empty subject and one URI SAN', async (t) => {
  const path = join(tempDir(t), 'req.pem');
  writeFileSync(path, await createCsr(await generateKeyPair(), ID));
  const text = execFileSync('openssl', ['req', '-in', path, '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(text, /Subject:\s*\n/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.deepEqual(text.match(/URI:\S+/g), [`URI:${ID}`]);
  assert.match(text, /X509v3 Subject Alternative Name: critical/, 'RFC 5280: an empty subject needs a critical SAN');
});

test('createCsr: the control plane CA verifies and signs it; the SAN reader agrees with parseCertificate', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const csr = await createCsr(await generateKeyPair(), ID);
  const verified = await verifyCsr(csr);
  assert.ok(!('error' in verified), JSON.stringify(verified));
  assert.deepEqual(verified.uriSans, [ID]);
  const chain = await ca.signCsr(csr, ID);
  assert.deepEqual(certificateUriSans(chain[0]!), [ID]);
  assert.deepEqual(certificateUriSans(chain[0]!), [...parseCertificate(chain[0]!).uriSans]);
  assert.deepEqual(certificateUriSans(chain[chain.length - 1]!), [], 'the root has no SAN');
});

test('createCsr: P-384 and RSA keys sign with SHA-384 / SHA-256 and verify; other curves are refused by name', async () => {
  for (const [type, opts, alg] of [
    ['ec', { namedCurve: 'P-384' }, '1.2.840.10045.4.3.3'],
    ['rsa', { modulusLength: 2048 }, '1.2.840.113549.1.1.11'],
  ] as const) {
    const keyPem = generateKeyPairSync(type as 'ec', opts as { namedCurve: string }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const csr = await createCsr(keyPem, ID);
    const verified = await verifyCsr(csr);
    assert.ok(!('error' in verified), `${type}: ${JSON.stringify(verified)}`);
    assert.equal(oidText(readChildren(csrParts(csr)[1]!.content)[0]!.content), alg, `${type}: signature algorithm`);
  }
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await assert.rejects(createCsr(k1, ID), /unsupported EC curve secp256k1/);
  await assert.rejects(createCsr(await generateKeyPair(), 'spiffe://café/x'), /printable ASCII/);
});

test('the ztunnel process modules never load @peculiar/x509 (its Reflect.getMetadata shim stays absent)', () => {
  const dist = fileURLToPath(new URL('../../../src/', import.meta.url));
  const script = `
    await import(${JSON.stringify(join(dist, 'cli/ztunnel.js'))});
    const { createCsr } = await import(${JSON.stringify(join(dist, 'shared/crypto/csr.js'))});
    const { generateKeyPair } = await import(${JSON.stringify(join(dist, 'shared/crypto/keys.js'))});
    await createCsr(await generateKeyPair(), 'spiffe://a/b');
    console.log(typeof Reflect.getMetadata);`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim(), 'undefined');
});
