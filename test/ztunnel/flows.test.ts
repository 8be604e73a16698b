/**
 * Flow behaviour: plaintext inbound (15006) under policy without identity, HBONE to a waypoint (authority = VIP:port,
 * waypoint identity checked), reset propagation, bounded buffering on a slow receiver, IPv6 SOCKS5 passthrough.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, match, metricValue, policy, roundTrip, service, socksConnect, startNode, workload, type TestNode } from './support/mesh.js';

const NODE_A = '127.0.10.31';
const NODE_B = '127.0.10.32';
const CLIENT = '127.0.11.31';
const ECHO = '127.0.11.32';
const OUTSIDER = '127.0.11.39';
const WAYPOINT = '127.0.11.45';
const WP_VIP = '127.0.11.46';
const OUTSIDE = '127.0.11.37'; // not a mesh workload
const looked: string[] = [];

describe('ztunnel flows', () => {
  let ca: FakeCa;
  let a: TestNode;
  let b: TestNode;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    ca = await createFakeCa();
    const nodes = new Map([['fa', NODE_A], ['fb', NODE_B]]);
    // DNS for names outside the mesh, answered here so the test needs no resolver.
    const dns: Record<string, string> = { 'outside.example.com': OUTSIDE };
    a = await startNode('fa', NODE_A, ca, nodes, silentLogger, {
      dnsLookup: async (host) => {
        looked.push(host);
        return dns[host];
      },
    });
    b = await startNode('fb', NODE_B, ca, nodes, silentLogger);
    echo = await echoServer(ECHO, 8080);
    for (const n of [a, b]) {
      n.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT, node: 'fa' }));
      n.zt.state.upsertWorkload(workload({ name: 'echo', ip: ECHO, node: 'fb', policies: ['default/strict'] }));
    }
  });
  after(async () => {
    await Promise.all([a?.zt.close(), b?.zt.close(), echo?.close()]); // first: pooled sessions hold the fake waypoint open
    for (const c of closers) await c();
    await ca?.close();
  });

  const socks = (target: Parameters<typeof socksConnect>[1]) => socksConnect({ host: NODE_A, port: a.ports.socks5.port }, target, CLIENT);

  it('plaintext inbound (PROXY v1 names the target) applies policy with no identity', async () => {
    const plain = (): Promise<Buffer> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: NODE_B, port: b.ports.inboundPlaintext.port, localAddress: OUTSIDER, allowHalfOpen: true });
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d));
        s.once('close', () => resolve(Buffer.concat(chunks)));
        s.once('error', () => resolve(Buffer.concat(chunks)));
        s.once('connect', () => s.end(`PROXY TCP4 ${OUTSIDER} ${ECHO} 5555 8080\r\nhello plaintext`));
        setTimeout(() => reject(new Error('timeout')), 5000).unref();
      });
    assert.equal((await plain()).toString(), 'hello plaintext');
    // STRICT mTLS analogue: deny identity-less traffic.
    b.zt.state.upsertPolicy(policy({ name: 'strict', action: 'DENY', rules: [[[match({ notPrincipals: [{ kind: 'presence' }] })]]] }));
    try {
      assert.equal((await plain()).length, 0, 'denied: closed without data');
      const viaMesh = await socks({ ip: ECHO, port: 8080 });
      assert.equal(viaMesh.reply, 0, 'mTLS traffic still allowed');
      assert.equal((await roundTrip(viaMesh.socket, Buffer.from('mtls'))).toString(), 'mtls');
    } finally {
      b.zt.state.removePolicy('default/strict');
    }
  });

  it('sends service traffic to the waypoint with the VIP authority and checks the waypoint identity', async () => {
    const wpId = 'spiffe://cluster.local/ns/default/sa/waypoint';
    const { keyPem, chain } = await ca.fetch(wpId);
    const seen: { authority: string; peer: string; forwarded: string; baggage: string; traceparent: string }[] = [];
    const wp = http2.createSecureServer({ key: keyPem, cert: chain[0], ca: [ca.rootPem], requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'], minVersion: 'TLSv1.3' });
    wp.on('stream', (stream, headers) => {
      const sock = stream.session?.socket as unknown as import('node:tls').TLSSocket;
      const peer = String(sock.getPeerCertificate().subjectaltname);
      seen.push({ authority: String(headers[':authority']), peer, forwarded: String(headers.forwarded), baggage: String(headers.baggage), traceparent: String(headers.traceparent) });
      stream.respond({ ':status': 200 });
      stream.pipe(stream);
    });
    await new Promise<void>((r) => wp.listen(15008, WAYPOINT, r));
    closers.push(() => new Promise((r) => wp.close(r)));
    const gw = { kind: 'address' as const, ip: WAYPOINT, hbonePort: 15008 };
    a.zt.state.upsertWorkload(workload({ name: 'waypoint', ip: WAYPOINT, node: 'fb', sa: 'waypoint' }));
    a.zt.state.upsertService(service({ name: 'reviews', vip: WP_VIP, ports: [{ servicePort: 9080, targetPort: 9080 }], waypoint: gw }));
    const { reply, socket } = await socks({ host: 'reviews', port: 9080 });
    assert.equal(reply, 0);
    assert.equal((await roundTrip(socket, Buffer.from('via waypoint'))).toString(), 'via waypoint');
    assert.equal(seen[0]?.authority, `${WP_VIP}:9080`);
    assert.equal(seen[0]?.peer, 'URI:spiffe://cluster.local/ns/default/sa/client');
    assert.match(seen[0]?.forwarded ?? '', /^for="127\.0\.11\.31:\d+";host=reviews\.default\.svc\.cluster\.local$/);
    assert.match(seen[0]?.baggage ?? '', /k8s\.namespace\.name=default/);
    assert.match(seen[0]?.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    // The source reporter names the hop it reached: the waypoint, with the waypoint's identity.
    const viaWp = { reporter: 'source', destination_workload: 'waypoint', destination_principal: wpId, destination_service: 'reviews.default.svc.cluster.local' };
    assert.equal(await metricValue(a.registry, 'istio_tcp_connections_opened_total', viaWp), 1);
    // A waypoint presenting another identity is refused before any CONNECT.
    a.zt.state.upsertWorkload(workload({ name: 'waypoint', ip: WAYPOINT, node: 'fb', sa: 'someone-else' }));
    const bad = await socks({ host: 'reviews', port: 9080 });
    assert.notEqual(bad.reply, 0);
    bad.socket.destroy();
    assert.equal(seen.length, 1);
    // A waypoint whose workload this ztunnel does not know (yet) has no identity to check: refused, nothing sent.
    a.zt.state.removeAddress(workload({ name: 'waypoint', ip: WAYPOINT, node: 'fb' }).uid);
    const unknown = await socks({ host: 'reviews', port: 9080 });
    assert.equal(unknown.reply, 0x04);
    unknown.socket.destroy();
    assert.equal(seen.length, 1);
  });

  it('carries a half-close sent together with the SOCKS5 request (before the reply) to HBONE and plaintext targets', async () => {
    // Answers only once it has seen EOF, like `nc -q` or a request/response protocol that closes its write side.
    const eofServer = (ip: string) =>
      new Promise<net.Server>((resolve) => {
        const srv = net.createServer({ allowHalfOpen: true }, (s) => {
          s.on('error', () => undefined);
          s.resume();
          s.on('end', () => s.end('got-eof'));
        });
        srv.listen(8087, ip, () => resolve(srv));
      });
    const PLAIN = '127.0.11.38'; // not a mesh workload: plaintext passthrough
    for (const srv of [await eofServer(ECHO), await eofServer(PLAIN)]) closers.push(() => new Promise((r) => srv.close(r)));
    const requestWithFin = (ip: string) =>
      new Promise<string>((resolve) => {
        const sock = net.connect({ host: NODE_A, port: a.ports.socks5.port, localAddress: CLIENT, allowHalfOpen: true });
        let buf = Buffer.alloc(0);
        let negotiated = false;
        const timer = setTimeout(() => {
          sock.destroy();
          resolve('timed out');
        }, 3000);
        sock.on('error', (e) => resolve(`error ${e.message}`));
        sock.once('connect', () => sock.write(Buffer.from([5, 1, 0])));
        sock.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (!negotiated && buf.length >= 2) {
            negotiated = true;
            buf = buf.subarray(2);
            sock.end(Buffer.from([5, 1, 0, 1, ...ip.split('.').map(Number), 8087 >> 8, 8087 & 255]));
          }
        });
        sock.once('end', () => {
          clearTimeout(timer);
          resolve(buf.subarray(10).toString());
        });
      });
    assert.equal(await requestWithFin(ECHO), 'got-eof', 'HBONE');
    assert.equal(await requestWithFin(PLAIN), 'got-eof', 'plaintext');
  });

  it('resolves SOCKS5 names outside the mesh in DNS and passes through; mesh names are never looked up', async () => {
    const outside = await echoServer(OUTSIDE, 8088);
    closers.push(() => outside.close());
    const ok = await socks({ host: 'outside.example.com', port: 8088 });
    assert.equal(ok.reply, 0);
    assert.equal((await roundTrip(ok.socket, Buffer.from('by name'))).toString(), 'by name');
    const missing = await socks({ host: 'missing.example.com', port: 8088 });
    assert.equal(missing.reply, 0x04, 'no address in DNS: host unreachable');
    missing.socket.destroy();
    for (const host of ['nope.default.svc.cluster.local', 'nope.default.svc']) {
      const meshName = await socks({ host, port: 80 });
      assert.equal(meshName.reply, 0x04, host);
      meshName.socket.destroy();
    }
    const shortName = await socks({ host: 'cache', port: 8088 }); // a compose service name, not a mesh service
    assert.equal(shortName.reply, 0x04, 'not in this test\'s DNS either');
    shortName.socket.destroy();
    assert.deepEqual(looked, ['outside.example.com', 'missing.example.com', 'cache'], 'only names outside the cluster domain are looked up');
  });

  it('propagates a reset from the destination to the client', async () => {
    const resetter = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    await new Promise<void>((r) => resetter.listen(8081, ECHO, r));
    closers.push(() => new Promise((r) => resetter.close(r)));
    const { reply, socket } = await socks({ ip: ECHO, port: 8081 });
    assert.equal(reply, 0);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
      socket.once('end', () => resolve('graceful end'));
      socket.resume();
      socket.write('boom');
    });
    socket.destroy();
    assert.equal(outcome, 'ECONNRESET');
  });

  it('propagates a reset from the client to the destination', async () => {
    const seen = new Promise<string>((resolve) => {
      const server = net.createServer({ allowHalfOpen: true }, (s) => {
        s.once('error', (e: NodeJS.ErrnoException) => resolve(String(e.code)));
        s.once('end', () => resolve('graceful end'));
        s.once('data', () => undefined);
      });
      server.listen(8083, ECHO);
      closers.push(() => new Promise((r) => server.close(r)));
    });
    const { reply, socket } = await socks({ ip: ECHO, port: 8083 });
    assert.equal(reply, 0);
    socket.write('hello');
    await new Promise((r) => setTimeout(r, 100));
    socket.resetAndDestroy();
    assert.equal(await seen, 'ECONNRESET');
  });

  it('holds buffering bounded when the receiver does not read', async () => {
    const stalled: net.Socket[] = [];
    const slow = net.createServer({ pauseOnConnect: true }, (s) => stalled.push(s));
    await new Promise<void>((r) => slow.listen(8082, ECHO, r));
    closers.push(() => new Promise((r) => { for (const s of stalled) s.destroy(); slow.close(r); }));
    const { reply, socket } = await socks({ ip: ECHO, port: 8082 });
    assert.equal(reply, 0);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let offered = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (offered < 256 * 1024 * 1024) {
          offered += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        resolve();
      };
      pump();
      setTimeout(resolve, 1500);
    });
    const accepted = socket.bytesWritten - socket.writableLength;
    socket.destroy();
    // Stream window (4 MiB) + socket buffers on four hops; far below the 256 MiB offered.
    assert.ok(accepted < 64 * 1024 * 1024, `accepted ${accepted >> 20} MiB before stalling`);
    assert.ok(accepted > 1024 * 1024, 'some data flowed');
  });

  it('passes IPv6 SOCKS5 targets outside the mesh straight through', async () => {
    const v6 = await echoServer('::1', 0);
    closers.push(() => v6.close());
    const port = (v6.server.address() as net.AddressInfo).port;
    const s = net.connect({ host: NODE_A, port: a.ports.socks5.port, localAddress: CLIENT });
    await new Promise((r) => s.once('connect', r));
    const req = Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 4]), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from([port >> 8, port & 0xff])]);
    s.write(req);
    const head = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 12) {
          s.off('data', onData);
          s.pause();
          resolve(buf);
        }
      };
      s.on('data', onData);
    });
    assert.deepEqual([...head.subarray(0, 4)], [5, 0, 5, 0]);
    assert.equal((await roundTrip(s, Buffer.from('v6'))).toString(), 'v6');
  });
});
