/**
 * Malformed or unauthorized input is rejected cleanly, without disturbing connections already flowing: a client
 * certificate from another CA, bad HBONE requests (400), and malformed SOCKS5 handshakes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readdirSync } from 'node:fs';
import { hboneServerName } from '../../src/shared/constants.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, metricValue, roundTrip, socksConnect, startNode, workload, type TestNode } from './support/mesh.js';

const NODE = '127.0.12.11';
const CLIENT_IP = '127.0.13.1';
const SERVER_IP = '127.0.13.2';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';

describe('ztunnel rejects bad input cleanly', () => {
  let ca: FakeCa;
  let otherCa: FakeCa;
  let node: TestNode;
  let echo: Awaited<ReturnType<typeof echoServer>>;

  before(async () => {
    [ca, otherCa] = await Promise.all([createFakeCa(), createFakeCa('other-ca')]);
    node = await startNode('node-r', NODE, ca, new Map([['node-r', NODE]]));
    echo = await echoServer(SERVER_IP, 8080);
    node.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT_IP, node: 'node-r' }));
    node.zt.state.upsertWorkload({ ...workload({ name: 'echo', ip: SERVER_IP, node: 'node-r' }), locality: { region: 'eu', zone: 'eu-a', subzone: 'r1' } });
  });
  after(async () => {
    await Promise.all([node?.zt.close(), echo?.close()]);
    await Promise.all([ca?.close(), otherCa?.close()]);
  });

  /** An HTTP/2 session to the node's HBONE port with a certificate from `issuer`. */
  async function hboneSession(issuer: FakeCa, sni: string): Promise<http2.ClientHttp2Session> {
    const { keyPem, chain } = await issuer.fetch(CLIENT_ID);
    return new Promise((resolve, reject) => {
      const session = http2.connect(`https://${NODE}:15008`, {
        createConnection: () =>
          tls.connect({ host: NODE, port: 15008, servername: sni, key: keyPem, cert: chain[0], ca: [ca.rootPem], ALPNProtocols: ['h2'], minVersion: 'TLSv1.3', checkServerIdentity: () => undefined }),
      });
      session.once('connect', () => resolve(session));
      session.once('error', reject);
      session.once('close', () => reject(new Error('session closed')));
    });
  }

  let lastBaggage = '';
  function connectStatus(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = session.request(headers, { endStream: false });
      req.once('response', (h) => {
        lastBaggage = String(h.baggage);
        resolve(Number(h[':status']));
      });
      req.once('error', reject);
      req.once('close', () => reject(new Error('stream closed without response')));
    });
  }

  it('refuses a client certificate from another CA at the TLS handshake', async () => {
    // TLS 1.3: the client may finish its side before the server checks the client certificate, so the refusal shows
    // either as a failed session or as a CONNECT that never gets a response.
    const outcome = await hboneSession(otherCa, hboneServerName(SERVER_IP)).then(
      (session) =>
        connectStatus(session, { ':method': 'CONNECT', ':authority': `${SERVER_IP}:8080` }).then(
          (status) => `status ${status}`,
          () => 'refused',
        ),
      () => 'refused',
    );
    assert.equal(outcome, 'refused');
    assert.equal(echo.peers.length, 0, 'nothing reached the workload');
  });

  it('speaks only Istio ztunnel\'s TLS 1.3 suites: AES-256-GCM preferred, AES-128-GCM accepted, ChaCha20 refused', async () => {
    const { keyPem, chain } = await ca.fetch(CLIENT_ID);
    const handshake = (ciphers?: string) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: NODE, port: 15008, servername: hboneServerName(SERVER_IP), key: keyPem, cert: chain[0], ca: [ca.rootPem], ALPNProtocols: ['h2'], minVersion: 'TLSv1.3', checkServerIdentity: () => undefined, ...(ciphers ? { ciphers } : {}) });
        s.once('secureConnect', () => {
          resolve(s.getCipher().standardName);
          s.destroy();
        });
        s.once('error', () => resolve('refused'));
      });
    assert.equal(await handshake(), 'TLS_AES_256_GCM_SHA384');
    assert.equal(await handshake('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256');
    assert.equal(await handshake('TLS_CHACHA20_POLY1305_SHA256'), 'refused');
  });

  it('answers 400 to non-CONNECT, bad authority and authority/SNI mismatch; 503 for an unknown local target', async () => {
    // A long-lived connection through SOCKS5 keeps flowing while bad requests arrive.
    const live = await socksConnect({ host: NODE, port: node.ports.socks5.port }, { ip: SERVER_IP, port: 8080 }, CLIENT_IP);
    assert.equal(live.reply, 0);
    const session = await hboneSession(ca, hboneServerName(SERVER_IP));
    try {
      assert.equal(await connectStatus(session, { ':method': 'GET', ':path': '/', ':authority': `${SERVER_IP}:8080` }), 400);
      assert.equal(await connectStatus(session, { ':method': 'CONNECT', ':authority': 'not-an-ip:8080' }), 400);
      assert.equal(await connectStatus(session, { ':method': 'CONNECT', ':authority': `${CLIENT_IP}:8080` }), 400);
      assert.equal(await connectStatus(session, { ':method': 'CONNECT', ':authority': `${SERVER_IP}:15008` }), 503);
      assert.equal(await connectStatus(session, { ':method': 'CONNECT', ':authority': `${SERVER_IP}:8080` }), 200);
      assert.equal(lastBaggage, 'k8s.cluster.name=Kubernetes,k8s.namespace.name=default,k8s.deployment.name=echo,service.name=echo,service.version=v1,cloud.region=eu,cloud.availability_zone=eu-a', '200 carries the destination baggage');
    } finally {
      session.close();
    }
    assert.equal(await metricValue(node.registry, 'ambit_ztunnel_hbone_responses_total', { code: '400' }), 3);
    // Each refusal has its access-log line, naming the peer and why.
    const failed = node.logs.filter((l) => l.msg === 'inbound connection failed' && l['src.identity'] === CLIENT_ID);
    assert.deepEqual(failed.map((l) => l['hbone.status']), [400, 400, 400]);
    assert.match(String(failed[0]?.error), /method GET is not CONNECT/);
    const echoed = await roundTrip(live.socket, Buffer.from('still alive'));
    assert.equal(echoed.toString(), 'still alive');
  });

  it('serves HBONE only to captured workloads: no handshake (nor certificate fetch) for tunnel NONE, 503 once a workload leaves ambient', async () => {
    const PLAIN_IP = '127.0.83.1';
    const LEAVING_IP = '127.0.83.2';
    const plain = workload({ name: 'plain', ip: PLAIN_IP, node: 'node-r', tunnel: 'NONE' });
    const leaving = workload({ name: 'leaving', ip: LEAVING_IP, node: 'node-r' });
    node.zt.state.upsertWorkload(plain);
    node.zt.state.upsertWorkload(leaving);
    const leavingEcho = await echoServer(LEAVING_IP, 8080);
    try {
      const outcome = await hboneSession(ca, hboneServerName(PLAIN_IP)).then(
        (session) => {
          session.destroy();
          return 'connected';
        },
        () => 'refused',
      );
      assert.equal(outcome, 'refused', 'SNI naming a workload outside ambient is refused as an unknown one');
      assert.equal(ca.issued.get(plain.identity), undefined, 'and no certificate was fetched for it');

      const session = await hboneSession(ca, hboneServerName(LEAVING_IP));
      try {
        node.zt.state.upsertWorkload({ ...leaving, tunnel: 'NONE' });
        assert.equal(await connectStatus(session, { ':method': 'CONNECT', ':authority': `${LEAVING_IP}:8080` }), 503);
      } finally {
        session.close();
      }
      assert.equal(leavingEcho.peers.length, 0, 'nothing reached the workload that left ambient');
    } finally {
      await leavingEcho.close();
    }
  });

  it('rejects malformed SOCKS5 handshakes with the RFC 1928 reply, leaving others unaffected', async () => {
    const send = (bytes: number[], from = CLIENT_IP): Promise<Buffer> =>
      new Promise((resolve) => {
        const s = net.connect({ host: NODE, port: node.ports.socks5.port, localAddress: from });
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d));
        s.on('error', () => undefined);
        s.once('close', () => resolve(Buffer.concat(chunks)));
        s.once('connect', () => s.end(Buffer.from(bytes)));
      });
    assert.deepEqual([...(await send([4, 1, 0]))], [], 'SOCKS4 greeting: closed without reply');
    assert.deepEqual([...(await send([5, 1, 2]))], [5, 0xff], 'only user/password offered: no acceptable method');
    // Open file descriptors of this process (the ztunnel runs in it): a paused socket holds one until destroyed.
    const tcpHandles = () => readdirSync('/proc/self/fd').length;
    const handlesBefore = tcpHandles();
    assert.deepEqual([...(await send([5, 1, 2, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80]))], [5, 0xff], 'same, request pipelined behind it');
    // The refused server-side socket closes with the client (its unread request used to keep it open for good).
    for (let i = 0; i < 50 && tcpHandles() > handlesBefore; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tcpHandles(), handlesBefore, 'no socket left behind by the refusal');
    assert.equal(await metricValue(node.registry, 'ambit_ztunnel_socks5_rejections_total', { reply: '0xff' }), 2, 'counted under its reply code');
    assert.deepEqual([...(await send([5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80]))], [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0], 'BIND: command not supported');
    assert.deepEqual([...(await send([5, 1, 0, 5, 1, 0, 9, 1, 2]))], [5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0], 'unknown address type');
    assert.deepEqual([...(await send([5, 1, 0, 5, 1, 0, 1, 127]))], [5, 0], 'truncated request: closed after method reply');
    // Clients that vanish mid-greeting leave no handshake timer behind (each would pin its socket for 10 s).
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    for (let i = 0; i < 5; i++) assert.deepEqual([...(await send([5, 2, 0]))], [], 'truncated greeting: closed without reply');
    await new Promise((r) => setImmediate(r));
    assert.ok(timers() <= before + 1, `handshake timers left running: ${timers() - before}`);
    const ok = await socksConnect({ host: NODE, port: node.ports.socks5.port }, { ip: SERVER_IP, port: 8080 }, CLIENT_IP);
    assert.equal(ok.reply, 0);
    assert.equal((await roundTrip(ok.socket, Buffer.from('x'))).toString(), 'x');
  });
});
