import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { loadOrCreateCa } from '../../src/control-plane/ca/certificate-authority.js';
import { createCaMetrics } from '../../src/control-plane/ca/metrics.js';
import { createTokenStore } from '../../src/control-plane/auth/token-store.js';
import { localDebugAuthenticator } from '../../src/control-plane/auth/caller.js';
import { createCaClient } from '../../src/shared/crypto/ca-client.js';
import { loadCaService, stringStruct, type IstioCertificateResponse } from '../../src/shared/crypto/ca-proto.js';
import { createCsr, generateKeyPair, parseCertificate } from '../../src/shared/crypto/index.js';
import { bearer, tamperCsr, countingMetrics, mesh, opensslText, opensslVerify, startCaServer, tempDir, waypoint, workload } from '../crypto/ca-fixtures.js';

const ALICE = 'spiffe://cluster.local/ns/shop/sa/alice';
const BOB = 'spiffe://cluster.local/ns/shop/sa/bob';
const WAYPOINT = 'spiffe://cluster.local/ns/shop/sa/shop-waypoint';
const snapshot = mesh(
  [workload('alice-0', 'shop', 'alice', 'node-a'), workload('bob-0', 'shop', 'bob', 'node-b')],
  [waypoint('shop', 'shop-waypoint')],
);

/** Calls CreateCertificate with exactly the given metadata (createCaClient always adds a token). */
function rawCall(address: string, roots: string, md: grpc.Metadata, request: object): Promise<IstioCertificateResponse> {
  const { Client } = loadCaService();
  const client = new Client(address, grpc.credentials.createSsl(Buffer.from(roots)));
  return new Promise<IstioCertificateResponse>((resolve, reject) => {
    client['CreateCertificate']!(request, md, (err: grpc.ServiceError | null, res: IstioCertificateResponse) =>
      err ? reject(err) : resolve(res),
    );
  }).finally(() => client.close());
}

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = tempDir(t);
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  const tokens = createTokenStore({ stateDir: dir });
  const metrics = countingMetrics();
  const server = await startCaServer(ca, tokens.authenticate, snapshot, metrics);
  t.after(() => server.close());
  const roots = ca.rootsPem.join('');
  return { dir, ca, tokens, metrics, server, roots };
}

const withIdentity = (id: string) => stringStruct({ ImpersonatedIdentity: id });

test('CA service rejects callers without a valid bootstrap token (UNAUTHENTICATED)', async (t) => {
  const { server, roots, metrics } = await setup(t);
  const csr = await createCsr(await generateKeyPair(), ALICE);
  await assert.rejects(rawCall(server.address, roots, new grpc.Metadata(), { csr, metadata: withIdentity(ALICE) }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    assert.match(err.details, /authorization/);
    return true;
  });
  await assert.rejects(rawCall(server.address, roots, bearer('A'.repeat(43)), { csr, metadata: withIdentity(ALICE) }), (err: grpc.ServiceError) =>
    err.code === grpc.status.UNAUTHENTICATED,
  );
  assert.deepEqual(metrics.denied, { unauthenticated: 2 });
  assert.equal(metrics.issued, 0);
});

test('a node may not obtain the identity of a workload on another node (PERMISSION_DENIED)', async (t) => {
  const { server, roots, tokens, metrics } = await setup(t);
  const token = await tokens.ensureNodeToken('node-a');
  const csr = await createCsr(await generateKeyPair(), BOB);
  await assert.rejects(rawCall(server.address, roots, bearer(token), { csr, metadata: withIdentity(BOB) }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.match(err.details, /node "node-a"/);
    assert.ok(err.details.includes(BOB), err.details);
    return true;
  });
  // Without ImpersonatedIdentity the CSR's URI SAN is the request; still foreign.
  await assert.rejects(rawCall(server.address, roots, bearer(token), { csr }), (err: grpc.ServiceError) => err.code === grpc.status.PERMISSION_DENIED);
  assert.deepEqual(metrics.denied, { 'permission-denied': 2 });
});

test('a node gets a verifiable certificate for a workload on its node; the CSR SAN is not trusted', async (t) => {
  const { dir, server, roots, tokens, metrics, ca } = await setup(t);
  const client = createCaClient({ address: server.address, rootsPem: ca.rootsPem, token: await tokens.ensureNodeToken('node-a') });
  t.after(() => client.close());
  // The CSR claims BOB; the node is authorised for ALICE, which is what the certificate must say.
  const csr = await createCsr(await generateKeyPair(), BOB);
  const chain = await client.createCertificate(csr, { impersonatedIdentity: ALICE, ttlSeconds: 3600 });
  assert.equal(chain.length, 2, 'self-signed CA: [leaf, root]');
  assert.equal(chain[1], roots, 'root bundle last');
  assert.match(opensslVerify(dir, chain[0]!, chain[1]!), /OK/);
  const info = parseCertificate(chain[0]!);
  assert.deepEqual(info.uriSans, [ALICE]);
  assert.deepEqual(info.dnsSans, []);
  assert.equal(info.isCa, false);
  const lifetimeS = (info.notAfter.getTime() - info.notBefore.getTime()) / 1000;
  assert.ok(lifetimeS >= 3600 && lifetimeS <= 3600 + 120, `lifetime ${lifetimeS}s`);
  const text = opensslText(dir, chain[0]!);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /Digital Signature, Key Encipherment/);
  assert.equal((text.match(/URI:/g) ?? []).length, 1);
  assert.equal(metrics.issued, 1);
});

test('default TTL is 24h when the request gives none', async (t) => {
  const { server, ca, tokens } = await setup(t);
  const client = createCaClient({ address: server.address, rootsPem: ca.rootsPem, token: await tokens.ensureNodeToken('node-b') });
  t.after(() => client.close());
  const chain = await client.createCertificate(await createCsr(await generateKeyPair(), BOB));
  const info = parseCertificate(chain[0]!);
  const lifetimeH = (info.notAfter.getTime() - info.notBefore.getTime()) / 3600_000;
  assert.ok(lifetimeH > 23.9 && lifetimeH < 24.1, `lifetime ${lifetimeH}h`);
  assert.deepEqual(info.uriSans, [BOB]);
});

test('a waypoint may obtain only its own identity', async (t) => {
  const { server, ca, tokens } = await setup(t);
  const client = createCaClient({ address: server.address, rootsPem: ca.rootsPem, token: await tokens.ensureWaypointToken('shop', 'shop-waypoint') });
  t.after(() => client.close());
  const key = await generateKeyPair();
  const chain = await client.createCertificate(await createCsr(key, WAYPOINT));
  assert.deepEqual(parseCertificate(chain[0]!).uriSans, [WAYPOINT]);
  await assert.rejects(client.createCertificate(await createCsr(key, ALICE), { impersonatedIdentity: ALICE }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.PERMISSION_DENIED);
    assert.match(err.details, /waypoint "shop\/shop-waypoint" may only obtain its own identity/);
    return true;
  });
});

test('a CSR with a bad signature is rejected with INVALID_ARGUMENT', async (t) => {
  const { server, roots, tokens, metrics } = await setup(t);
  const good = await createCsr(await generateKeyPair(), ALICE);
  const bad = tamperCsr(good);
  const token = await tokens.ensureNodeToken('node-a');
  await assert.rejects(rawCall(server.address, roots, bearer(token), { csr: bad, metadata: withIdentity(ALICE) }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.details, /CSR signature does not match/);
    return true;
  });
  await assert.rejects(rawCall(server.address, roots, bearer(token), { csr: 'not a csr' }), (err: grpc.ServiceError) =>
    err.code === grpc.status.INVALID_ARGUMENT,
  );
  assert.deepEqual(metrics.denied, { 'invalid-argument': 2 });
});

test('local-debug callers may obtain any identity in the trust domain, not outside it', async (t) => {
  const dir = tempDir(t);
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  const server = await startCaServer(ca, localDebugAuthenticator, snapshot);
  t.after(() => server.close());
  const roots = ca.rootsPem.join('');
  const csr = await createCsr(await generateKeyPair(), 'spiffe://cluster.local/ns/x/sa/y');
  const res = await rawCall(server.address, roots, new grpc.Metadata(), { csr });
  assert.deepEqual(parseCertificate(res.cert_chain[0]!).uriSans, ['spiffe://cluster.local/ns/x/sa/y']);
  const foreign = await createCsr(await generateKeyPair(), 'spiffe://evil.example/ns/x/sa/y');
  await assert.rejects(rawCall(server.address, roots, new grpc.Metadata(), { csr: foreign }), (err: grpc.ServiceError) =>
    err.code === grpc.status.INVALID_ARGUMENT && /outside trust domain/.test(err.details),
  );
});

test('Prometheus metrics use istiod names and count denials by reason', async (t) => {
  const dir = tempDir(t);
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  const tokens = createTokenStore({ stateDir: dir });
  const registry = new Registry();
  const server = await startCaServer(ca, tokens.authenticate, snapshot, createCaMetrics(registry));
  t.after(() => server.close());
  const roots = ca.rootsPem.join('');
  const csr = await createCsr(await generateKeyPair(), ALICE);
  await rawCall(server.address, roots, bearer(await tokens.ensureNodeToken('node-a')), { csr });
  await assert.rejects(rawCall(server.address, roots, new grpc.Metadata(), { csr }));
  const text = await registry.metrics();
  assert.match(text, /^citadel_server_csr_count 2$/m);
  assert.match(text, /^citadel_server_success_cert_issuance_count 1$/m);
  assert.match(text, /^citadel_server_authentication_failure_count 1$/m);
  assert.match(text, /^ambit_ca_certificates_denied_total\{reason="unauthenticated"\} 1$/m);
});
