import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { loadOrCreateCa } from '../../src/control-plane/ca/certificate-authority.js';
import { createCsr, generateKeyPair, spiffeIdFromCert } from '../../src/shared/crypto/index.js';
import { tempDir, TEST_IP } from './ca-fixtures.js';

const CLIENT = 'spiffe://cluster.local/ns/a/sa/client';
const SERVER = 'spiffe://cluster.local/ns/b/sa/server';

/** Key + Istio cert_chain for an identity, through the CSR path the ztunnel uses. */
async function identity(ca: Awaited<ReturnType<typeof loadOrCreateCa>>, id: string) {
  const key = await generateKeyPair();
  const chain = await ca.signCsr(await createCsr(key, id), id);
  return { key, cert: chain.slice(0, -1).join(''), roots: chain.at(-1)! };
}

test('issued workload certificates work for TLS 1.3 mTLS in both directions (as HBONE uses them)', async (t) => {
  const ca = await loadOrCreateCa({ stateDir: tempDir(t), trustDomain: 'cluster.local' });
  const client = await identity(ca, CLIENT);
  const server = await identity(ca, SERVER);
  const seen: string[] = [];
  const srv = createServer(
    { key: server.key, cert: server.cert, ca: server.roots, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      seen.push(spiffeIdFromCert(`-----BEGIN CERTIFICATE-----\n${socket.getPeerCertificate().raw.toString('base64')}\n-----END CERTIFICATE-----\n`) ?? '');
      socket.end('ok');
    },
  );
  await new Promise<void>((r) => srv.listen(0, TEST_IP, r));
  t.after(() => srv.close());
  const { port } = srv.address() as AddressInfo;
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({
      host: TEST_IP, port, key: client.key, cert: client.cert, ca: client.roots, ALPNProtocols: ['h2'], minVersion: 'TLSv1.3',
      // SPIFFE: verify the URI SAN, not a hostname.
      checkServerIdentity: (_host, cert) => (cert.subjectaltname === `URI:${SERVER}` ? undefined : new Error(`unexpected ${cert.subjectaltname}`)),
    });
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
  assert.equal(reply, 'ok');
  assert.deepEqual(seen, [CLIENT]);
});
