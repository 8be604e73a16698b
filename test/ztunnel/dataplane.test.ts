/**
 * Two ztunnels on loopback (node-a 127.0.10.11, node-b 127.0.10.12), pods on 127.0.11.x, real TCP echo servers:
 * SOCKS5 → HBONE → destination, addressing forms, L4 policy both ways, metrics and access logs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, match, metricValue, policy, roundTrip, service, socksConnect, startNode, workload, type TestNode } from './support/mesh.js';

const NODE_A = '127.0.10.11';
const NODE_B = '127.0.10.12';
const CLIENT_IP = '127.0.11.1';
const SERVER_IP = '127.0.11.2';
const OTHER_CLIENT_IP = '127.0.11.3';
const VIP = '127.0.11.100';

describe('ztunnel data path (two nodes)', () => {
  let ca: FakeCa;
  let a: TestNode;
  let b: TestNode;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  const svcKey = 'default/echo.default.svc.cluster.local';

  before(async () => {
    ca = await createFakeCa();
    const nodes = new Map([['node-a', NODE_A], ['node-b', NODE_B]]);
    a = await startNode('node-a', NODE_A, ca, nodes);
    b = await startNode('node-b', NODE_B, ca, nodes);
    echo = await echoServer(SERVER_IP, 8080);
    for (const n of [a, b]) {
      n.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT_IP, node: 'node-a' }));
      n.zt.state.upsertWorkload(workload({ name: 'other', ip: OTHER_CLIENT_IP, node: 'node-a', namespace: 'other' }));
      n.zt.state.upsertWorkload(workload({ name: 'echo', ip: SERVER_IP, node: 'node-b', services: { [svcKey]: [{ servicePort: 80, targetPort: 8080 }] }, policies: ['default/echo-policy'] }));
      n.zt.state.upsertService(service({ name: 'echo', vip: VIP, ports: [{ servicePort: 80, targetPort: 8080 }] }));
    }
  });

  after(async () => {
    await Promise.all([a?.zt.close(), b?.zt.close(), echo?.close()]);
    await ca?.close();
  });

  const socks = (from: string, target: Parameters<typeof socksConnect>[1]) => socksConnect({ host: NODE_A, port: a.ports.socks5.port }, target, from);

  it('carries bytes SOCKS5 → HBONE → pod for every addressing form', async () => {
    const targets = [
      { ip: SERVER_IP, port: 8080 },
      { ip: VIP, port: 80 },
      { host: 'echo.default.svc.cluster.local', port: 80 },
      { host: 'echo.default', port: 80 },
      { host: 'echo', port: 80 },
    ];
    for (const t of targets) {
      const { reply, socket } = await socks(CLIENT_IP, t);
      assert.equal(reply, 0, `reply for ${JSON.stringify(t)}`);
      const payload = randomBytes(64 * 1024);
      const echoed = await roundTrip(socket, payload);
      assert.ok(echoed.equals(payload), `echo via ${JSON.stringify(t)}`);
    }
    // The destination saw the connection from node-b's ztunnel, not the client directly.
    assert.ok(echo.peers.length >= targets.length);
    const opened = await metricValue(b.registry, 'istio_tcp_connections_opened_total', { reporter: 'destination', source_principal: 'spiffe://cluster.local/ns/default/sa/client', destination_workload: 'echo', connection_security_policy: 'mutual_tls' });
    assert.equal(opened, targets.length);
    const sent = await metricValue(a.registry, 'istio_tcp_received_bytes_total', { reporter: 'source', source_workload: 'client', destination_service: 'echo.default.svc.cluster.local' });
    assert.equal(sent, 4 * 64 * 1024, "VIP and the three hostname forms are service-addressed");
    const logLine = b.logs.find((l) => l.msg === 'connection complete' && l.direction === 'inbound');
    assert.ok(logLine, 'inbound access log written');
    assert.equal(logLine['src.identity'], 'spiffe://cluster.local/ns/default/sa/client');
    assert.equal(logLine.bytes_recv, 64 * 1024);
    assert.equal(logLine['authz.decision'], 'allow');
    // All five connections shared one pooled HTTP/2 connection per (source, destination workload).
    assert.equal(a.zt.pool.snapshot().length, 1);
  });

  it('counts the bytes of an open connection exactly at every scrape', async () => {
    const labels = { source_workload: 'client', destination_workload: 'echo' };
    const { reply, socket } = await socks(CLIENT_IP, { ip: SERVER_IP, port: 8080 });
    assert.equal(reply, 0);
    const scrape = async () =>
      [
        await metricValue(a.registry, 'istio_tcp_received_bytes_total', { ...labels, reporter: 'source' }),
        await metricValue(b.registry, 'istio_tcp_received_bytes_total', { ...labels, reporter: 'destination' }),
        await metricValue(a.registry, 'istio_tcp_sent_bytes_total', { ...labels, reporter: 'source' }),
      ];
    const before = await scrape();
    let echoed = 0;
    socket.on('data', (d: Buffer) => (echoed += d.length)).resume();
    for (const [i, size] of [1000, 70_000].entries()) {
      socket.write(randomBytes(size));
      const want = i === 0 ? 1000 : 71_000;
      for (const deadline = Date.now() + 5000; echoed < want; ) {
        assert.ok(Date.now() < deadline, `echoed ${echoed} of ${want} bytes`);
        await new Promise((r) => setTimeout(r, 5));
      }
      // Still open: the counters already hold every byte relayed so far, in both ztunnels.
      assert.deepEqual((await scrape()).map((v, k) => v - before[k]!), [want, want, want]);
    }
    socket.destroy();
  });

  it('refuses SOCKS5 clients that are not local workloads (reply 0x02)', async () => {
    const { reply, socket } = await socks('127.0.11.250', { ip: SERVER_IP, port: 8080 });
    assert.equal(reply, 2);
    socket.destroy();
  });

  it('enforces ALLOW and DENY policies at the destination, reporting the deciding policy', async () => {
    const allowOnlyDefault = policy({ name: 'echo-policy', action: 'ALLOW', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'default' }] })]]] });
    b.zt.state.upsertPolicy(allowOnlyDefault);
    try {
      const ok = await socks(CLIENT_IP, { ip: SERVER_IP, port: 8080 });
      assert.equal(ok.reply, 0);
      assert.ok((await roundTrip(ok.socket, Buffer.from('hi'))).equals(Buffer.from('hi')));
      const denied = await socks(OTHER_CLIENT_IP, { ip: SERVER_IP, port: 8080 });
      assert.equal(denied.reply, 2, 'HBONE 401 maps to SOCKS "not allowed"');
      denied.socket.destroy();
      assert.equal(await metricValue(b.registry, 'ambit_ztunnel_hbone_responses_total', { code: '401' }), 1);
      const denyLog = b.logs.find((l) => l['authz.decision'] === 'deny');
      assert.equal(denyLog?.['authz.policy'], 'default/echo-policy');
      assert.equal(denyLog?.response_flags, 'DENY');
      assert.equal(await metricValue(a.registry, 'istio_tcp_connections_failed_total', { reporter: 'source', response_flags: 'DENY', source_workload: 'other' }), 1);

      // DENY wins over ALLOW.
      b.zt.state.upsertPolicy(policy({ name: 'deny-8080', action: 'DENY', scope: 'NAMESPACE', rules: [[[match({ destinationPorts: [8080] })]]] }));
      const denied2 = await socks(CLIENT_IP, { ip: SERVER_IP, port: 8080 });
      assert.equal(denied2.reply, 2);
      denied2.socket.destroy();
    } finally {
      b.zt.state.removePolicy('default/echo-policy');
      b.zt.state.removePolicy('default/deny-8080');
    }
    const again = await socks(OTHER_CLIENT_IP, { ip: SERVER_IP, port: 8080 });
    assert.equal(again.reply, 0);
    again.socket.destroy();
  });

  it('logs what a dry-run DENY would have done, without enforcing it', async () => {
    b.zt.state.upsertPolicy(policy({ name: 'try-deny-other', action: 'DENY', scope: 'NAMESPACE', dryRun: true, rules: [[[match({ principals: [{ kind: 'suffix', value: '/sa/other' }] })]]] }));
    try {
      const conn = await socks(OTHER_CLIENT_IP, { ip: SERVER_IP, port: 8080 });
      assert.equal(conn.reply, 0, 'dry-run: not enforced');
      assert.equal((await roundTrip(conn.socket, Buffer.from('dry'))).toString(), 'dry');
      // One line per connection, written when it closes.
      for (let i = 0; i < 100 && !b.logs.some((l) => Array.isArray(l['authz.dry_run_deny'])); i++) await new Promise((r) => setTimeout(r, 20));
      const line = b.logs.find((l) => Array.isArray(l['authz.dry_run_deny']));
      assert.deepEqual(line?.['authz.dry_run_deny'], ['default/try-deny-other']);
      assert.equal(line?.['authz.decision'], 'allow');
      assert.equal(await metricValue(b.registry, 'ambit_authz_dry_run_decisions_total', { policy: 'try-deny-other', namespace: 'default', result: 'deny' }), 1, 'counted once, as the brain counts L7 dry runs');
    } finally {
      b.zt.state.removePolicy('default/try-deny-other');
    }
  });

  it('propagates half-close: the client can still read after sending FIN', async () => {
    const { socket } = await socks(CLIENT_IP, { ip: SERVER_IP, port: 8080 });
    const echoed = await roundTrip(socket, Buffer.from('half-close'));
    assert.equal(echoed.toString(), 'half-close');
  });

  it('fails cleanly with SOCKS "connection refused" when nothing listens at the destination (HBONE 503)', async () => {
    b.zt.state.upsertWorkload(workload({ name: 'dead', ip: '127.0.11.4', node: 'node-b' }));
    a.zt.state.upsertWorkload(workload({ name: 'dead', ip: '127.0.11.4', node: 'node-b' }));
    const { reply, socket } = await socks(CLIENT_IP, { ip: '127.0.11.4', port: 9 });
    assert.equal(reply, 5);
    socket.destroy();
    assert.equal(await metricValue(b.registry, 'ambit_ztunnel_hbone_responses_total', { code: '503' }), 1);
  });

  it('config_dump counts open relay directions, and they are released when the connection closes', async () => {
    type Relays = { relays: { activeDirections: number; pauseBoundBytes: number } };
    const relays = async (): Promise<Relays['relays']> => ((await (await fetch(`http://127.0.0.1:${a.ports.admin.port}/config_dump`)).json()) as Relays).relays;
    const settle = async (want: (n: number) => boolean): Promise<number> => {
      for (let i = 0; i < 50; i++) {
        const n = (await relays()).activeDirections;
        if (want(n)) return n;
        await new Promise((r) => setTimeout(r, 20));
      }
      return (await relays()).activeDirections;
    };
    const idle = await settle((n) => n === 0);
    assert.equal(idle, 0);
    const { socket } = await socks(CLIENT_IP, { ip: SERVER_IP, port: 8080 });
    socket.resume();
    const echoed = new Promise<string>((r) => socket.once('data', (d: Buffer) => r(d.toString())));
    socket.write('x');
    assert.equal(await echoed, 'x');
    assert.equal(await settle((n) => n === 2), 2, 'one connection = two relay directions on the source node');
    assert.equal((await relays()).pauseBoundBytes, 1024 * 1024, 'a lone connection may queue 1 MiB per direction');
    socket.destroy();
    assert.equal(await settle((n) => n === 0), 0);
  });

  it('serves /metrics, /healthz/ready and /config_dump', async () => {
    const metrics = await (await fetch(`http://${NODE_B}:${b.ports.metrics.port}/metrics`)).text();
    assert.match(metrics, /istio_tcp_connections_opened_total\{reporter="destination"/);
    const ready = await fetch(`http://${NODE_B}:${b.ports.readiness.port}/healthz/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`http://${NODE_B}:${b.ports.readiness.port}/healthz/ready`, { method: 'POST' })).status, 405);
    const dump = (await (await fetch(`http://127.0.0.1:${b.ports.admin.port}/config_dump`)).json()) as { workloads: unknown[]; certificates: { identity: string; notAfter?: string }[] };
    assert.equal(dump.workloads.length, 4);
    const cert = dump.certificates.find((c) => c.identity === 'spiffe://cluster.local/ns/default/sa/echo');
    assert.ok(cert?.notAfter, 'certificate with expiry listed');
  });
});
