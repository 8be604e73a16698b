/**
 * The real brain behind the real, xDS-programmed waypoint Envoy (the waypoint engineer's generators and launcher):
 * HBONE client with a mesh certificate → connect_terminate → main_internal (peer headers, ext_authz, ext_proc) →
 * HBONE to a fake destination ztunnel → apps. The brain binds `<waypoint>:15031` as the generated cluster expects and
 * gets its resources from the brain generators for the same mesh.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBrainGenerators } from '../../src/control-plane/translate/brain/index.js';
import type { MeshSnapshot } from '../../src/shared/model/mesh.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createBrain, type Brain } from '../../src/waypoint/brain/index.js';
import { envoyOrSkip } from '../support/envoy.js';
import { startApp, type TestApp } from '../envoy/support/apps.js';
import { startFakeZtunnel, type FakeZtunnel } from '../envoy/support/fake-ztunnel.js';
import { createHboneClient, type HboneClient } from '../envoy/support/hbone-client.js';
import { backend, buildTestMesh, httpRoute } from '../envoy/support/mesh-fixture.js';
import { startWaypointEnv, type WaypointEnv } from '../envoy/support/waypoint-env.js';
import { policy, requestAuthn } from './support/mesh.js';
import { jwtIssuer } from './support/check-client.js';
import { addressUpdates } from '../../src/waypoint/brain/xds-source.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';

const envoy = envoyOrSkip();
const WP = { namespace: 'apps', name: 'wp', address: '127.0.30.40' };
const NODE = '127.0.30.41';
const HTTP = [{ port: 80, targetPort: 8080, appProtocol: 'http' }];
const STABLE = { name: 'web-1', ip: '127.0.30.42', nodeAddress: NODE };
const CANARY = { name: 'web-canary-1', ip: '127.0.30.43', nodeAddress: NODE };
const SECURE = 'apps/secure.apps.svc.cluster.local';
const issuer = jwtIssuer();

const getOnly = policy('apps', 'secure-get', 'ALLOW', [{ from: [{ source: { principals: ['cluster.local/ns/apps/sa/frontend'] } }], to: [{ operation: { methods: ['GET'] } }] }], {
  waypoints: ['apps/wp'],
  services: [SECURE],
});
const sticky = httpRoute('apps', 'web', 'web', [{ backendRefs: [backend('web-stable', 80, 50), backend('web-canary', 80, 50)] }], { 'ambit.dev/sticky-key': 'header:x-user' });

function mesh(): MeshSnapshot {
  return buildTestMesh({
    version: 1,
    waypoint: WP,
    services: [
      { name: 'web', namespace: 'apps', vip: '10.98.0.1', ports: HTTP, endpoints: [STABLE] },
      { name: 'web-stable', namespace: 'apps', vip: '10.98.0.2', ports: HTTP, endpoints: [STABLE], bound: false },
      { name: 'web-canary', namespace: 'apps', vip: '10.98.0.3', ports: HTTP, endpoints: [CANARY], bound: false },
      { name: 'secure', namespace: 'apps', vip: '10.98.0.4', ports: HTTP, endpoints: [STABLE] },
    ],
    routes: [sticky],
    policies: [getOnly],
  });
}

describe('real brain behind the generated waypoint Envoy', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let env: WaypointEnv;
  let brain: Brain;
  let ztunnel: FakeZtunnel;
  let frontend: HboneClient;
  let stranger: HboneClient;
  let apps: TestApp[];

  before(async () => {
    apps = [await startApp('stable', STABLE.ip, 8080), await startApp('canary', CANARY.ip, 8080)];
    brain = createBrain({ waypoint: 'apps/wp', grpcTarget: `${WP.address}:15031`, httpHost: WP.address, metricsPort: 0, readinessPort: 0 }, { logger: silentLogger });
    await brain.start();
    const m = mesh();
    const ra = requestAuthn('apps', 'jwt', [{ issuer: 'https://issuer.example.com', audiences: [], jwks: issuer.jwks, fromHeaders: [], fromParams: [], forwardOriginalToken: false, outputPayloadToHeader: 'x-jwt-payload' }], ['apps/wp']);
    const brainMesh: MeshSnapshot = { ...m, requestAuthentications: new Map([[ra.key, ra]]) };
    const client = { nodeId: 'brain~127.0.30.40~wp.apps~apps.svc.cluster.local', proxyType: 'brain' as const, waypointKey: 'apps/wp', metadata: {} };
    for (const g of createBrainGenerators()) assert.deepEqual(brain.store.apply(g.typeUrl, [...g.generate(brainMesh, client).values()], []), []);
    // Workload discovery, as the brain's xDS source would deliver it (VIP → service for IP-literal authorities).
    brain.workloads.update(addressUpdates([...createAddressGenerator().generate(m, client).values()]), []);
    env = await startWaypointEnv({ envoyPath: (envoy as { path: string }).path, mesh: m, waypointKey: 'apps/wp', xdsBind: '127.0.30.44', adsApiType: 'DELTA_GRPC' });
    await env.waitAcked();
    ztunnel = await startFakeZtunnel({ address: NODE, ...(await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/apps/sa/web' })) });
    frontend = createHboneClient({ address: WP.address, ...(await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/apps/sa/frontend' })) });
    stranger = createHboneClient({ address: WP.address, ...(await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/other/sa/stranger' })) });
  });

  after(async () => {
    frontend?.close();
    stranger?.close();
    await ztunnel?.close();
    await env?.close();
    await brain?.close();
    for (const a of apps ?? []) await a.close();
  });

  it('enforces the policy with the HBONE peer identity: GET allowed, DELETE and a foreign principal denied', async () => {
    const ok = await frontend.request('10.98.0.4:80', { path: '/secure', headers: { 'x-ambit-peer-principal': 'spiffe://cluster.local/ns/other/sa/stranger' } });
    assert.equal(ok.status, 200, ok.body);
    const del = await frontend.request('10.98.0.4:80', { method: 'DELETE', path: '/secure' });
    assert.equal(del.status, 403);
    assert.equal(del.body, 'RBAC: access denied');
    const foreign = await stranger.request('10.98.0.4:80', { path: '/secure', headers: { 'x-ambit-peer-principal': 'spiffe://cluster.local/ns/apps/sa/frontend' } });
    assert.equal(foreign.status, 403, 'forged peer header is replaced by the real identity');
  });

  it('RequestAuthentication: the token is stripped and its payload forwarded upstream', async () => {
    const token = issuer.token({ iss: 'https://issuer.example.com', sub: 'alice' });
    const res = await frontend.request('10.98.0.4:80', { path: '/secure', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.body);
    const seen = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
    assert.equal(seen.authorization, undefined, 'forwardOriginalToken: false');
    assert.equal(seen['x-jwt-payload'], token.split('.')[1]);
    const bad = await frontend.request('10.98.0.4:80', { path: '/secure', headers: { authorization: `Bearer ${token}x` } });
    assert.equal(bad.status, 401);
  });

  it('sticky canary through the real ext_proc: a user keeps its backend, users spread over both', async () => {
    const seen = new Set<string>();
    for (let u = 0; u < 12; u++) {
      const first = JSON.parse((await frontend.request('10.98.0.1:80', { path: '/', headers: { 'x-user': `user-${u}` } })).body) as { app: string };
      for (let i = 0; i < 2; i++) {
        const again = JSON.parse((await frontend.request('10.98.0.1:80', { path: '/', headers: { 'x-user': `user-${u}` } })).body) as { app: string };
        assert.equal(again.app, first.app, `user-${u} moved`);
      }
      seen.add(first.app);
    }
    assert.deepEqual([...seen].sort(), ['canary', 'stable']);
  });

  it('counts the waypoint traffic in istio_requests_total from the access-log stream', async () => {
    let text = '';
    for (let i = 0; i < 50 && !/istio_requests_total\{[^}]*response_code="403"[^}]*\} [1-9]/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(`http://${WP.address}:${brain.ports.metrics}/metrics`)).text();
    }
    const line = text.split('\n').find((l) => l.startsWith('istio_requests_total{') && l.includes('response_code="403"'));
    assert.ok(line, 'a 403 was reported');
    assert.match(line, /reporter="waypoint"/);
    assert.match(line, /response_flags="UAEX"/);
    assert.match(line, /destination_service="secure\.apps\.svc\.cluster\.local"/, 'service from the VIP authority');
    assert.match(line, /destination_service_name="secure"/);
  });
});
