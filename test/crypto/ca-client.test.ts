import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { loadOrCreateCa, type CertificateAuthority } from '../../src/control-plane/ca/certificate-authority.js';
import { createRotatingServerCredentials, issueServingTls } from '../../src/control-plane/ca/serving-cert.js';
import { localDebugAuthenticator } from '../../src/control-plane/auth/caller.js';
import { createCaClient, createCsr, generateKeyPair, loadCaService, parseCertificate } from '../../src/shared/crypto/index.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { mesh, startCaServer, tempDir, TEST_IP } from './ca-fixtures.js';

const ALICE = 'spiffe://cluster.local/ns/a/sa/alice';
const MALLORY = 'spiffe://cluster.local/ns/a/sa/mallory';

/** Serial number of the certificate a fresh TLS connection to `port` is served. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: TEST_IP, port, ca, ALPNProtocols: ['h2'] }, () => {
      const serial = socket.getPeerCertificate().serialNumber.toLowerCase();
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

test('serving certificate: IP/DNS SANs from the mesh CA, rotated without restarting the server', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const server = await startCaServer(ca, localDebugAuthenticator, mesh([]));
  t.after(() => server.close());
  const port = Number(server.address.split(':').at(-1));
  const roots = ca.rootsPem.join('');
  const info = parseCertificate(server.creds.current().cert);
  assert.deepEqual(info.ipSans, [TEST_IP]);
  assert.deepEqual(info.dnsSans, ['istiod', 'istiod.istio-system.svc', 'ambit-controlplane', 'localhost']);
  const before = await servedSerial(port, roots);
  assert.equal(before.replace(/^0+/, ''), info.serialHex.replace(/^0+/, ''), 'the served certificate is the current one');
  await server.creds.rotate();
  const after = await servedSerial(port, roots);
  assert.notEqual(after, before);
  // gRPC clients still get certificates after the swap.
  const client = createCaClient({ address: server.address, rootsPem: ca.rootsPem, token: 'unused' });
  t.after(() => client.close());
  const chain = await client.createCertificate(await createCsr(await generateKeyPair(), ALICE));
  assert.deepEqual(parseCertificate(chain[0]!).uriSans, [ALICE]);
});

/** A CA server that signs whatever identity it likes (here: always MALLORY). */
async function startLyingCa(ca: CertificateAuthority): Promise<{ address: string; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(loadCaService().service, {
    CreateCertificate(call: grpc.ServerUnaryCall<{ csr: string }, unknown>, cb: grpc.sendUnaryData<unknown>) {
      ca.signCsr(call.request.csr, MALLORY).then((chain) => cb(null, { cert_chain: chain }), (err: Error) => cb(err, null));
    },
  });
  const creds = await createRotatingServerCredentials(ca, { bindAddresses: [TEST_IP], logger: silentLogger });
  const port = await new Promise<number>((res, rej) => server.bindAsync(`${TEST_IP}:0`, creds.credentials, (e, p) => (e ? rej(e) : res(p))));
  return {
    address: `${TEST_IP}:${port}`,
    close: async () => {
      creds.close();
      await new Promise<void>((r) => server.tryShutdown(() => r()));
    },
  };
}

test('the client rejects a certificate for an identity other than the one requested', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const lying = await startLyingCa(ca);
  t.after(() => lying.close());
  const client = createCaClient({ address: lying.address, rootsPem: ca.rootsPem, token: 't' });
  t.after(() => client.close());
  const csr = await createCsr(await generateKeyPair(), ALICE);
  await assert.rejects(client.createCertificate(csr, { impersonatedIdentity: ALICE }), /issued a certificate for \[spiffe:\/\/cluster.local\/ns\/a\/sa\/mallory\], requested spiffe:\/\/cluster.local\/ns\/a\/sa\/alice/);
});

test('the client refuses a server whose certificate is not from the given roots', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const stranger = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const server = await startCaServer(ca, localDebugAuthenticator, mesh([]));
  t.after(() => server.close());
  const client = createCaClient({ address: server.address, rootsPem: stranger.rootsPem, token: 't', timeoutMs: 3000 });
  t.after(() => client.close());
  await assert.rejects(client.createCertificate(await createCsr(await generateKeyPair(), ALICE)), (err: grpc.ServiceError) =>
    err.code === grpc.status.UNAVAILABLE,
  );
});

test('a wildcard bind address puts every local address of that family in the serving certificate', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const tls = await issueServingTls(ca, { bindAddresses: ['0.0.0.0', '127.0.41.9'] });
  const ips = parseCertificate(tls.cert).ipSans;
  assert.ok(ips.includes('127.0.0.1'), ips.join(','));
  assert.ok(ips.includes('127.0.41.9'));
  assert.ok(ips.every((ip) => !ip.includes(':')), 'IPv4 wildcard adds no IPv6 addresses');
});
