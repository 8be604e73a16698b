/**
 * Inbound (reporter="destination") service attribution: the destination_service* labels and the access log's
 * `dst.service` name the service the client meant — from HBONE `Forwarded: host=` when it names one of the
 * workload's services, else the workload's service whose target port is the connection's port, else "unknown".
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createStateStore } from '../../src/ztunnel/state/store.js';
import { forwardedHost, inboundService } from '../../src/ztunnel/inbound/destination-service.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, metricValue, roundTrip, service, socksConnect, startNode, workload, type TestNode } from './support/mesh.js';

const APP_HOST = 'app.demo.svc.cluster.local';
const ALT_HOST = 'app-alt.demo.svc.cluster.local';
const appKey = `demo/${APP_HOST}`;
const altKey = `demo/${ALT_HOST}`;

describe('inboundService picks the destination workload service for a connection', () => {
  const state = createStateStore({ nodeName: 'n' });
  const web = service({ name: 'web', namespace: 'demo', vip: '10.0.0.3', ports: [{ servicePort: 80, targetPort: 0 }] });
  const app = service({ name: 'app', namespace: 'demo', vip: '10.0.0.1', ports: [{ servicePort: 80, targetPort: 8080 }] });
  const alt = service({ name: 'app-alt', namespace: 'demo', vip: '10.0.0.2', ports: [{ servicePort: 81, targetPort: 8080 }] });
  const other = service({ name: 'other', namespace: 'demo', vip: '10.0.0.4', ports: [{ servicePort: 80, targetPort: 8080 }] });
  for (const s of [web, app, alt, other]) state.upsertService(s);
  const pod = workload({
    name: 'app',
    namespace: 'demo',
    ip: '10.1.0.1',
    node: 'n',
    services: { 'demo/missing.demo.svc.cluster.local': [{ servicePort: 80, targetPort: 8080 }], [appKey]: [{ servicePort: 80, targetPort: 8080 }], [altKey]: [{ servicePort: 81, targetPort: 8080 }] },
  });

  it('takes the first of the workload services (known to the store) whose target port is the connection port', () => {
    assert.equal(inboundService(state, pod, 8080)?.key, appKey);
    assert.equal(inboundService(state, pod, 9090), undefined);
  });

  it('prefers the service named by Forwarded host= when the workload backs it, ignoring case', () => {
    assert.equal(inboundService(state, pod, 8080, ALT_HOST)?.key, altKey);
    assert.equal(inboundService(state, pod, 9090, 'App-Alt.demo.svc.cluster.local')?.key, altKey);
  });

  it('does not trust a host= naming a service this workload does not back', () => {
    assert.equal(inboundService(state, pod, 8080, other.hostname)?.key, appKey);
    assert.equal(inboundService(state, pod, 9090, other.hostname), undefined);
  });

  it('reads targetPort 0 as a named port that only the workload own mapping resolves', () => {
    const plain = workload({ name: 'web-1', namespace: 'demo', ip: '10.1.0.2', node: 'n', services: { [web.key]: [] } });
    assert.equal(inboundService(state, plain, 80), undefined, 'the pod does not declare the named port');
    const named = workload({ name: 'web-2', namespace: 'demo', ip: '10.1.0.3', node: 'n', services: { [web.key]: [{ servicePort: 80, targetPort: 8081 }] } });
    assert.equal(inboundService(state, named, 8081)?.key, web.key);
    assert.equal(inboundService(state, named, 80), undefined, 'the pod maps service port 80 elsewhere');
  });
});

describe('forwardedHost reads host= from an RFC 7239 Forwarded header', () => {
  it('handles token and quoted values, any parameter case, and repeated headers', () => {
    assert.equal(forwardedHost(`for="10.0.0.1:4000";host=${APP_HOST}`), APP_HOST);
    assert.equal(forwardedHost(`for=10.0.0.1;Host="${APP_HOST}"`), APP_HOST);
    assert.equal(forwardedHost(['for=10.0.0.1', `for=10.0.0.2;host=${ALT_HOST}`]), ALT_HOST);
  });

  it('is undefined without a host parameter, or when host= only appears inside another quoted value', () => {
    assert.equal(forwardedHost(undefined), undefined);
    assert.equal(forwardedHost('for="10.0.0.1:4000"'), undefined);
    assert.equal(forwardedHost('for="x;host=evil.demo.svc.cluster.local"'), undefined);
    assert.equal(forwardedHost('for=10.0.0.1;host=""'), undefined);
  });
});

const NODE = '127.0.61.11';
const CLIENT_IP = '127.0.61.21';
const APP_IP = '127.0.61.22';
const OUTSIDER = '127.0.61.29';
const APP_VIP = '127.0.61.100';
const ALT_VIP = '127.0.61.101';

describe('inbound metrics and access log carry the destination service (one node, real sockets)', () => {
  let ca: FakeCa;
  let node: TestNode;
  const echoes: Awaited<ReturnType<typeof echoServer>>[] = [];

  before(async () => {
    ca = await createFakeCa();
    node = await startNode('node-s', NODE, ca, new Map([['node-s', NODE]]));
    echoes.push(await echoServer(APP_IP, 8080), await echoServer(APP_IP, 9090));
    const s = node.zt.state;
    s.upsertWorkload(workload({ name: 'client', namespace: 'demo', ip: CLIENT_IP, node: 'node-s' }));
    // 8080 backs two services (app first); 9090 backs none.
    s.upsertWorkload(workload({ name: 'app', namespace: 'demo', ip: APP_IP, node: 'node-s', services: { [appKey]: [{ servicePort: 80, targetPort: 8080 }], [altKey]: [{ servicePort: 81, targetPort: 8080 }] } }));
    s.upsertService(service({ name: 'app', namespace: 'demo', vip: APP_VIP, ports: [{ servicePort: 80, targetPort: 8080 }] }));
    s.upsertService(service({ name: 'app-alt', namespace: 'demo', vip: ALT_VIP, ports: [{ servicePort: 81, targetPort: 8080 }] }));
  });
  after(async () => {
    await Promise.all([node?.zt.close(), ...echoes.map((e) => e.close())]);
    await ca?.close();
  });

  /** Destination-reporter connections to the app workload attributed to `svc` (`undefined` = the "unknown" labels). */
  const inboundOpened = (svc: { host: string; name: string } | undefined, security: 'mutual_tls' | 'unknown'): Promise<number> =>
    metricValue(node.registry, 'istio_tcp_connections_opened_total', {
      reporter: 'destination',
      destination_workload: 'app',
      destination_service: svc?.host ?? 'unknown',
      destination_service_name: svc?.name ?? 'unknown',
      destination_service_namespace: svc ? 'demo' : 'unknown',
      connection_security_policy: security,
    });

  /** Runs `connect` and returns how much each counter grew. */
  async function growth(counters: (() => Promise<number>)[], connect: () => Promise<void>): Promise<number[]> {
    const before = await Promise.all(counters.map((c) => c()));
    await connect();
    return (await Promise.all(counters.map((c) => c()))).map((v, i) => v - before[i]!);
  }

  const viaHbone = (target: Parameters<typeof socksConnect>[1]) => async (): Promise<void> => {
    const { reply, socket } = await socksConnect({ host: NODE, port: node.ports.socks5.port }, target, CLIENT_IP);
    assert.equal(reply, 0, `SOCKS reply for ${JSON.stringify(target)}`);
    assert.equal((await roundTrip(socket, Buffer.from('ping'))).toString(), 'ping');
  };

  const viaPlaintext = (port: number) => (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = net.connect({ host: NODE, port: node.ports.inboundPlaintext.port, localAddress: OUTSIDER, allowHalfOpen: true });
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.once('error', reject);
      s.once('close', () => (Buffer.concat(chunks).toString() === 'plain' ? resolve() : reject(new Error(`echo was "${Buffer.concat(chunks).toString()}"`))));
      s.once('connect', () => s.end(`PROXY TCP4 ${OUTSIDER} ${APP_IP} 5555 ${port}\r\nplain`));
    });

  /** The inbound access-log line for a connection to `dst`, once the connection has been logged. */
  async function inboundLog(dst: string): Promise<Record<string, unknown>> {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
      const line = node.logs.findLast((l) => l.msg === 'connection complete' && l.direction === 'inbound' && l['dst.addr'] === dst);
      if (line) return line;
    }
    assert.fail(`no inbound access log for ${dst}`);
  }

  const app = { host: APP_HOST, name: 'app' };
  const alt = { host: ALT_HOST, name: 'app-alt' };

  it('HBONE to a pod port that a service targets: that service, found by port (no Forwarded host=)', async () => {
    const grew = await growth([() => inboundOpened(app, 'mutual_tls'), () => inboundOpened(undefined, 'mutual_tls')], viaHbone({ ip: APP_IP, port: 8080 }));
    assert.deepEqual(grew, [1, 0]);
    assert.equal((await inboundLog(`${APP_IP}:8080`))['dst.service'], APP_HOST);
    // The source reporter is unchanged: a pod-addressed connection has no service on the outbound side.
    assert.ok((await metricValue(node.registry, 'istio_tcp_connections_opened_total', { reporter: 'source', destination_workload: 'app', destination_service: 'unknown' })) >= 1);
  });

  it('HBONE to a pod port no service targets: "unknown"', async () => {
    const grew = await growth([() => inboundOpened(undefined, 'mutual_tls'), () => inboundOpened(app, 'mutual_tls')], viaHbone({ ip: APP_IP, port: 9090 }));
    assert.deepEqual(grew, [1, 0]);
    assert.equal((await inboundLog(`${APP_IP}:9090`))['dst.service'], undefined);
  });

  it('HBONE to a service: the service the client named in Forwarded host=, even when another one shares the port', async () => {
    const grew = await growth([() => inboundOpened(alt, 'mutual_tls'), () => inboundOpened(app, 'mutual_tls')], viaHbone({ host: ALT_HOST, port: 81 }));
    assert.deepEqual(grew, [1, 0], 'attributed to app-alt, not to app (the first service on port 8080)');
  });

  it('plaintext 15006: the service found by port, or "unknown"', async () => {
    assert.deepEqual(await growth([() => inboundOpened(app, 'unknown'), () => inboundOpened(undefined, 'unknown')], viaPlaintext(8080)), [1, 0]);
    assert.deepEqual(await growth([() => inboundOpened(app, 'unknown'), () => inboundOpened(undefined, 'unknown')], viaPlaintext(9090)), [0, 1]);
    const scraped = await node.registry.metrics();
    assert.match(scraped, new RegExp(`^istio_tcp_connections_opened_total\\{reporter="destination",[^}]*destination_service="${APP_HOST.replace(/\./g, '\\.')}",[^}]*connection_security_policy="unknown"\\} 1$`, 'm'));
  });
});
