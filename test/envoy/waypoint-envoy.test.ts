/**
 * Real Envoy 1.40 as a waypoint, programmed by our xDS server: HBONE in (test client with a mesh certificate) →
 * GAMMA routing → HBONE out to a fake destination ztunnel → test apps.
 */
import assert from 'node:assert/strict';
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
    ],
    routes,
  };
}

const splitRoute = httpRoute('default', 'reviews', 'reviews', [
  { matches: [{ headers: [{ type: 'Exact', name: 'x-canary', value: 'yes' }], queryParams: [] }], backendRefs: [backend('reviews-v2', 9080)] },
  { backendRefs: [backend('reviews-v1', 9080, 90), backend('reviews-v2', 9080, 10)] },
]);

describe('waypoint Envoy', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let env: WaypointEnv;
  let ztunnel: FakeZtunnel;
  let client: HboneClient;
  let apps: TestApp[];

  before(async () => {
    apps = [await startApp('v1', V1.ip, 8080), await startApp('v2', V2.ip, 8080)];
    env = await startWaypointEnv({ envoyPath: (envoy as { path: string }).path, mesh: buildTestMesh(fixture(1, [splitRoute])), waypointKey: 'default/waypoint', xdsBind: '127.0.20.1' });
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
});
