/**
 * Real Envoy 1.40 as a waypoint, programmed by our xDS server (state-of-the-world ADS here; Delta in
 * waypoint-features.test.ts and the mesh e2e): HBONE in (test client with a mesh certificate) →
 * GAMMA routing → HBONE out to a fake destination ztunnel → test apps.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { hboneServerName } from '../../src/shared/constants.js';
import { envoyOrSkip } from '../support/envoy.js';
import { startApp, type TestApp } from './support/apps.js';
import { startFakeZtunnel, type FakeZtunnel } from './support/fake-ztunnel.js';
import { createHboneClient, type HboneClient } from './support/hbone-client.js';
import { backend, buildTestMesh, httpRoute, type MeshFixture } from './support/mesh-fixture.js';
import { startWaypointEnv, type WaypointEnv } from './support/waypoint-env.js';

const envoy = envoyOrSkip();
const WP = { namespace: 'default', name: 'waypoint', address: '127.0.21.1' };
const NODE = '127.0.22.1';
const V1 = { name: 'reviews-v1', ip: '127.0.23.1', nodeAddress: NODE };
const V2 = { name: 'reviews-v2', ip: '127.0.23.2', nodeAddress: NODE };
const HTTP = [{ port: 9080, targetPort: 8080, appProtocol: 'http' }];

function fixture(version: number, routes: MeshFixture['routes'] = []): MeshFixture {
  return {
    version,
    waypoint: WP,
    services: [
      { name: 'reviews', vip: '10.96.0.10', ports: HTTP, endpoints: [V1, V2] },
      { name: 'reviews-v1', vip: '10.96.0.11', ports: HTTP, endpoints: [V1], bound: false },
      { name: 'reviews-v2', vip: '10.96.0.12', ports: HTTP, endpoints: [V2], bound: false },
      { name: 'ratings', vip: '10.96.0.20', ports: HTTP, endpoints: [V1] },
      { name: 'details', vip: '10.96.0.30', ports: HTTP, endpoints: [V2] },
    ],
    routes,
  };
}

const splitRoute = httpRoute('default', 'reviews', 'reviews', [
  { matches: [{ headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }], queryParams: [] }], backendRefs: [backend('reviews-v2', 9080)] },
  { backendRefs: [backend('reviews-v1', 9080, 90), backend('reviews-v2', 9080, 10)] },
]);

const detailsRoute = httpRoute('default', 'details', 'details', [
  { matches: [{ path: { type: 'PathPrefix', value: '/slow' }, headers: [], queryParams: [] }], backendRefs: [backend('details', 9080)], timeouts: { requestMs: 300 } },
  { matches: [{ path: { type: 'PathPrefix', value: '/flaky' }, headers: [], queryParams: [] }], backendRefs: [backend('details', 9080)], retry: { attempts: 2, codes: [503] } },
  {
    matches: [{ path: { type: 'PathPrefix', value: '/mirror' }, headers: [], queryParams: [] }],
    filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'reviews-v1', port: 9080 } } }],
    backendRefs: [backend('details', 9080)],
  },
  {
    matches: [{ path: { type: 'Exact', value: '/old' }, headers: [], queryParams: [] }],
    filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'new.example', statusCode: 301 } }],
  },
  {
    matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [], queryParams: [], method: 'POST' }],
    filters: [
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: 'waypoint' }], add: [], remove: ['x-drop'] } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [], add: [{ name: 'x-served-by', value: 'ambit' }], remove: [] } },
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
    ],
    backendRefs: [backend('details', 9080)],
  },
]);

/** Sends `n` requests, `concurrency` at a time; returns how many each app answered (status 200 only). */
async function load(client: HboneClient, authority: string, n: number, concurrency: number, headers: Record<string, string> = {}): Promise<{ counts: Record<string, number>; failures: string[] }> {
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      try {
        const res = await client.request(authority, { path: '/reviews', headers });
        if (res.status !== 200) failures.push(`status ${res.status}: ${res.body}`);
        else {
          const app = (JSON.parse(res.body) as { app: string }).app;
          counts[app] = (counts[app] ?? 0) + 1;
        }
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { counts, failures };
}

function defaultReply(name: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ app: name, path: req.url, headers: req.headers }));
}

describe('waypoint Envoy', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let env: WaypointEnv;
  let ztunnel: FakeZtunnel;
  let client: HboneClient;
  let apps: TestApp[];

  before(async () => {
    apps = [await startApp('v1', V1.ip, 8080), await startApp('v2', V2.ip, 8080)];
    env = await startWaypointEnv({ envoyPath: (envoy as { path: string }).path, mesh: buildTestMesh(fixture(1, [splitRoute, detailsRoute])), waypointKey: 'default/waypoint', xdsBind: '127.0.20.1', adsApiType: 'GRPC' });
    await env.waitAcked();
    const nodeCert = await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/default/sa/reviews' });
    ztunnel = await startFakeZtunnel({ address: NODE, ...nodeCert });
    const clientCert = await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/default/sa/productpage' });
    client = createHboneClient({ address: WP.address, ...clientCert });
  });

  after(async () => {
    client?.close();
    await ztunnel?.close();
    await env?.close();
    for (const a of apps ?? []) await a.close();
  });

  it('Envoy ACKs the generated config and its config_dump shows the waypoint listeners', async () => {
    const dump = (await (await fetch(`${env.envoy.adminAddress}/config_dump?resource=dynamic_listeners`)).json()) as { configs: { name: string }[] };
    const names = dump.configs.map((c) => c.name).sort();
    assert.deepEqual(names, ['connect_originate', 'connect_terminate', 'main_internal']);
  });

  it('routes a service without HTTPRoutes to its endpoints, originating HBONE with SNI and the peer identity header', async () => {
    const res = await client.request('10.96.0.20:9080', { path: '/ratings/1', headers: { 'x-ambit-peer-principal': 'spiffe://evil/ns/x/sa/y' } });
    assert.equal(res.status, 200, res.body);
    const body = JSON.parse(res.body) as { app: string; headers: Record<string, string> };
    assert.equal(body.app, 'v1');
    assert.equal(body.headers['x-ambit-peer-principal'], 'spiffe://cluster.local/ns/default/sa/productpage');
    const t = ztunnel.tunnels.at(-1)!;
    assert.equal(t.authority, '127.0.23.1:8080');
    assert.equal(t.sni, hboneServerName('127.0.23.1'));
    assert.match(t.peerUri, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/waypoint/);
  });

  it('splits 90/10 by weight over 1,000 requests (within ±3 points)', async () => {
    const { counts, failures } = await load(client, '10.96.0.10:9080', 1000, 40);
    assert.deepEqual(failures, []);
    const v2Share = ((counts.v2 ?? 0) / 1000) * 100;
    assert.ok(Math.abs(v2Share - 10) <= 3, `v2 got ${v2Share}% (${JSON.stringify(counts)})`);
  });

  it('sends header-matched canary traffic to the canary only', async () => {
    const { counts, failures } = await load(client, '10.96.0.10:9080', 50, 10, { 'x-canary': 'yes' });
    assert.deepEqual(failures, []);
    assert.deepEqual(counts, { v2: 50 });
  });

  it('enforces the HTTPRoute request timeout (app sees the request, client gets 504)', async () => {
    const v2 = apps[1]!;
    v2.behave((req, res) => (req.url?.startsWith('/slow') ? setTimeout(() => defaultReply('v2', req, res), 2000) : defaultReply('v2', req, res)));
    const before = v2.seen.length;
    const started = Date.now();
    const res = await client.request('10.96.0.30:9080', { path: '/slow' });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assert.ok(elapsed >= 250 && elapsed < 1500, `answered after ${elapsed} ms`);
    assert.equal(v2.seen.slice(before).filter((r) => r.path === '/slow').length, 1);
    v2.behave(undefined);
  });

  it('retries 503s as the HTTPRoute says (the app sees 3 attempts, the client one 200)', async () => {
    const v2 = apps[1]!;
    let flaky = 0;
    v2.behave((req, res) => {
      if (!req.url?.startsWith('/flaky')) return defaultReply('v2', req, res);
      flaky++;
      if (flaky < 3) {
        res.statusCode = 503;
        res.end('try again');
      } else defaultReply('v2', req, res);
    });
    const res = await client.request('10.96.0.30:9080', { path: '/flaky' });
    v2.behave(undefined);
    assert.equal(res.status, 200, res.body);
    assert.equal(flaky, 3);
  });

  it('applies redirects, header modifiers and URL rewrites', async () => {
    const redirect = await client.request('10.96.0.30:9080', { path: '/old' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, 'http://new.example/old');
    const res = await client.request('10.96.0.30:9080', { method: 'POST', path: '/api/items', headers: { 'x-drop': '1' } });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['x-served-by'], 'ambit');
    const seen = JSON.parse(res.body) as { path: string; headers: Record<string, string> };
    assert.equal(seen.path, '/v2/items');
    assert.equal(seen.headers['x-set'], 'waypoint');
    assert.equal(seen.headers['x-drop'], undefined);
    const get = await client.request('10.96.0.30:9080', { path: '/api/items' });
    assert.equal(get.status, 404, 'GET does not match the POST-only rule and there is no default route once HTTPRoutes exist');
  });

  it('mirrors requests to the RequestMirror backend while answering from the main backend', async () => {
    const v1 = apps[0]!;
    const res = await client.request('10.96.0.30:9080', { path: '/mirror/1' });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).app, 'v2');
    const deadline = Date.now() + 3000;
    while (!v1.seen.some((r) => r.path === '/mirror/1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const shadow = v1.seen.find((r) => r.path === '/mirror/1');
    assert.ok(shadow, 'mirror backend saw the request');
    assert.match(String(shadow.headers.host), /-shadow/);
  });

  it('applies an HTTPRoute edit without failing in-flight requests', async () => {
    const moved = httpRoute('default', 'reviews', 'reviews', [{ backendRefs: [backend('reviews-v2', 9080)] }]);
    const during = load(client, '10.96.0.10:9080', 400, 20);
    await new Promise((r) => setTimeout(r, 100));
    await env.update(buildTestMesh(fixture(2, [moved, detailsRoute])));
    await env.waitAcked();
    const { failures } = await during;
    assert.deepEqual(failures, []);
    const after = await load(client, '10.96.0.10:9080', 50, 10);
    assert.deepEqual(after.failures, []);
    assert.deepEqual(after.counts, { v2: 50 });
  });
});
