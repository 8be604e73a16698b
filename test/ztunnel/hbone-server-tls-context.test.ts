/**
 * A certificate the HBONE server cannot build a TLS context from (key not matching the leaf) fails that one
 * handshake; it must not end the process, and other workloads on the node keep being served.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as tls from 'node:tls';
import { parseIssued, type CertManager, type WorkloadCertificate } from '../../src/ztunnel/identity/cert-manager.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, workload } from './support/mesh.js';
import { clientTls, connectStream, echoOnce, h2Session, handshake, startHboneServer, type StandaloneHboneServer } from './hbone-server-support.js';

const NODE = 'node-ctx';
const SERVER_ADDR = '127.0.81.1';
const GOOD_IP = '127.0.81.2';
const BROKEN_IP = '127.0.81.3';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';

/** Hands out fixed certificates; `broken`'s key belongs to no certificate (a misbehaving CA or cert store). */
function fixedCerts(byIdentity: ReadonlyMap<string, WorkloadCertificate>): CertManager {
  return {
    get: async (identity) => byIdentity.get(identity) ?? Promise.reject(new Error(`no certificate for ${identity}`)),
    current: (identity) => byIdentity.get(identity),
    retain: () => undefined,
    snapshot: () => [],
    close: () => undefined,
  };
}

describe('HBONE server: a certificate unusable for TLS', () => {
  let ca: FakeCa;
  let hbone: StandaloneHboneServer;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  const rejections: unknown[] = [];
  const onRejection = (r: unknown): void => void rejections.push(r);

  before(async () => {
    // Without this listener an unhandled rejection ends the test process; with it, the test can assert there is none.
    process.on('unhandledRejection', onRejection);
    ca = await createFakeCa();
    const good = workload({ name: 'good', ip: GOOD_IP, node: NODE });
    const broken = workload({ name: 'broken', ip: BROKEN_IP, node: NODE });
    const issue = async (identity: string): Promise<WorkloadCertificate> => {
      const { keyPem, chain } = await ca.fetch(identity);
      return parseIssued(identity, keyPem, chain);
    };
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const certs = fixedCerts(
      new Map([
        [good.identity, await issue(good.identity)],
        [broken.identity, { ...(await issue(broken.identity)), keyPem: otherKey }],
      ]),
    );
    hbone = await startHboneServer({ nodeName: NODE, listenAddress: SERVER_ADDR, ca, certs });
    hbone.state.upsertWorkload(good);
    hbone.state.upsertWorkload(broken);
    echo = await echoServer(GOOD_IP, 8080);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await Promise.all([hbone?.close(), echo?.close()]);
    await ca?.close();
  });

  it('fails the handshake for that workload without an unhandled rejection, and keeps serving the others', async () => {
    const brokenTls = await clientTls(ca, CLIENT_ID, BROKEN_IP, hbone.address);
    assert.equal(await handshake(brokenTls), 'refused', 'the handshake is answered (with a failure), not left hanging');
    assert.equal(await handshake(brokenTls), 'refused', 'and again: one bad handshake leaves the server as it was');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(rejections.map(String), [], 'no unhandled rejection (it would end a ztunnel)');

    const goodTls = await clientTls(ca, CLIENT_ID, GOOD_IP, hbone.address);
    const session = await h2Session(() => tls.connect(goodTls));
    try {
      const { status, stream } = await connectStream(session, `${GOOD_IP}:8080`);
      assert.equal(status, 200);
      assert.equal(await echoOnce(stream, 'still serving'), 'still serving');
      stream.close();
    } finally {
      session.close();
    }
  });
});
