/**
 * Real Envoy waypoint over Delta ADS: the brain contract (ext_authz only where an L7 policy applies, peer identity
 * headers, ext_proc sticky pinning), TCP passthrough, certificate rotation over SDS, and Programmed status.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateCa } from '../../src/control-plane/ca/index.js';
import { waypointStatuses } from '../../src/control-plane/status/index.js';
import { ANNOTATIONS } from '../../src/shared/constants.js';
import type { MeshPolicy } from '../../src/shared/model/mesh.js';
import { envoyOrSkip } from '../support/envoy.js';
import { startApp, type TestApp } from './support/apps.js';
import { startFakeBrain, type FakeBrain } from './support/fake-brain.js';
import { startFakeZtunnel, type FakeZtunnel } from './support/fake-ztunnel.js';
import { createHboneClient, type HboneClient } from './support/hbone-client.js';
import { backend, buildTestMesh, httpRoute } from './support/mesh-fixture.js';
import { startEcho } from './support/tcp-echo.js';
import { startWaypointEnv, type WaypointEnv } from './support/waypoint-env.js';

const envoy = envoyOrSkip();
const WP = { namespace: 'apps', name: 'wp', address: '127.0.24.1' };
const NODE = '127.0.25.1';
const HTTP = [{ port: 80, targetPort: 8080, appProtocol: 'http' }];
const STABLE = { name: 'web-1', ip: '127.0.26.1', nodeAddress: NODE };
const CANARY = { name: 'web-canary-1', ip: '127.0.26.2', nodeAddress: NODE };
const DB = { name: 'db-1', ip: '127.0.26.3', nodeAddress: NODE };
const LEGACY = { name: 'legacy-1', ip: '127.0.26.4', nodeAddress: NODE, captured: false };

const policy: MeshPolicy = {
  key: 'apps/only-frontend', name: 'only-frontend', namespace: 'apps', scope: { kind: 'targetRefs', namespace: 'apps', refs: [] }, dryRun: false,
  object: {} as MeshPolicy['object'], workloads: [], waypoints: ['apps/wp'], services: ['apps/secure.apps.svc.cluster.local'],
};
/** Traps: a regex RE2 rejects and a VIP:port claimed twice; both must be reported, never sent to Envoy. */
const secureRoute = httpRoute('apps', 'secure', 'secure', [
  { matches: [{ path: { type: 'RegularExpression', value: '/(?!public).*' }, headers: [], queryParams: [] }], backendRefs: [backend('secure', 80)] },
  { backendRefs: [backend('secure', 80)] },
]);
const sticky = httpRoute('apps', 'web', 'web', [{ backendRefs: [backend('web-stable', 80, 100), backend('web-canary', 80, 0)] }], { [ANNOTATIONS.stickyKey]: 'x-user' });

function mesh(version: number) {
  return buildTestMesh({
    version,
    waypoint: WP,
    services: [
      { name: 'web', namespace: 'apps', vip: '10.97.0.1', ports: HTTP, endpoints: [STABLE] },
      { name: 'web-stable', namespace: 'apps', vip: '10.97.0.2', ports: HTTP, endpoints: [STABLE], bound: false },
      { name: 'web-canary', namespace: 'apps', vip: '10.97.0.3', ports: HTTP, endpoints: [CANARY], bound: false },
      { name: 'secure', namespace: 'apps', vip: '10.97.0.4', ports: HTTP, endpoints: [STABLE] },
      { name: 'db', namespace: 'apps', vip: '10.97.0.5', ports: [{ port: 5432, targetPort: 7000, appProtocol: 'tcp' }], endpoints: [DB] },
      { name: 'opaque', namespace: 'apps', vip: '10.97.0.6', ports: [{ port: 7001, targetPort: 7000 }], endpoints: [DB] },
      { name: 'legacy', namespace: 'apps', vip: '10.97.0.7', ports: HTTP, endpoints: [LEGACY] },
      { name: 'dup', namespace: 'apps', vip: '10.97.0.5', ports: [{ port: 5432, targetPort: 7000, appProtocol: 'tcp' }], endpoints: [DB] },
    ],
    routes: [sticky, secureRoute],
    policies: [policy],
    boundWorkloads: ['db-1'],
  });
}

describe('waypoint Envoy: brain contract, TCP, SDS rotation (Delta ADS)', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let env: WaypointEnv;
  let brain: FakeBrain;
  let ztunnel: FakeZtunnel;
  let client: HboneClient;
  let apps: TestApp[];
  let echo: { close(): Promise<void> };
  let clock = Date.now();

  before(async () => {
    apps = [await startApp('stable', STABLE.ip, 8080), await startApp('canary', CANARY.ip, 8080), await startApp('legacy', LEGACY.ip, 8080)];
    echo = await startEcho(DB.ip, 7000, 'echo:');
    brain = await startFakeBrain(WP.address);
    env = await startWaypointEnv({ envoyPath: (envoy as { path: string }).path, mesh: mesh(1), waypointKey: 'apps/wp', xdsBind: '127.0.20.2', adsApiType: 'DELTA_GRPC', now: () => clock });
    await env.waitAcked();
    ztunnel = await startFakeZtunnel({ address: NODE, ...(await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/apps/sa/web' })) });
    client = createHboneClient({ address: WP.address, ...(await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/apps/sa/frontend' })) });
  });

  after(async () => {
    client?.close();
    await ztunnel?.close();
    await env?.close();
    await brain?.close();
    await echo?.close();
    for (const a of apps ?? []) await a.close();
  });

  it('reports the waypoint Programmed once Envoy ACKed its listeners', () => {
    const m = mesh(1);
    const [status] = waypointStatuses(m, (k) => env.generators.problems(m, k), env.xds.debug());
    assert.deepEqual(status!.conditions.map((c) => [c.type, c.status]), [['Accepted', 'True'], ['Programmed', 'True']]);
    assert.deepEqual(status!.problems.map((p) => p.split(':')[0]), ['Conflicted']);
    assert.deepEqual(env.generators.problems(m, 'apps/wp').map((p) => [p.kind, p.key, p.reason]), [
      ['HTTPRoute', 'apps/secure', 'UnsupportedValue'],
      ['Gateway', 'apps/wp', 'Conflicted'],
    ]);
  });

  it('asks ext_authz only for services under an L7 policy, with the HBONE peer identity, and enforces the answer', async () => {
    const before = brain.checks.length;
    assert.equal((await client.request('10.97.0.1:80', { path: '/' })).status, 200);
    assert.equal(brain.checks.length, before, 'web has no L7 policy: no ext_authz call');
    const ok = await client.request('10.97.0.4:80', { path: '/secure', headers: { 'x-ambit-peer-principal': 'spiffe://forged/ns/x/sa/y' } });
    assert.equal(ok.status, 200, ok.body);
    const seen = brain.checks.at(-1)!;
    assert.equal(seen['x-ambit-peer-principal'], 'spiffe://cluster.local/ns/apps/sa/frontend');
    assert.ok(seen['x-ambit-peer-address'], 'peer address header present');
    brain.allow = () => false;
    const denied = await client.request('10.97.0.4:80', { path: '/secure' });
    brain.allow = () => true;
    assert.equal(denied.status, 403);
  });

  it('routes a sticky HTTPRoute by the backend ext_proc pins, overriding the weights', async () => {
    const byWeight = await client.request('10.97.0.1:80', { path: '/' });
    assert.equal(JSON.parse(byWeight.body).app, 'stable');
    brain.pin = 'web-canary';
    const pinned = await client.request('10.97.0.1:80', { path: '/' });
    brain.pin = undefined;
    assert.equal(JSON.parse(pinned.body).app, 'canary');
    assert.ok(brain.processed.length >= 2);
  });

  it('passes non-HTTP traffic through as TCP (declared tcp and sniffed unknown ports)', async () => {
    assert.equal(await client.tcpExchange('10.97.0.5:5432', 'ping'), 'echo:ping');
    assert.equal(await client.tcpExchange('10.97.0.6:7001', '\u0000binary'), 'echo:\u0000binary');
    const t = ztunnel.tunnels.at(-1)!;
    assert.equal(t.authority, '127.0.26.3:7000');
  });

  it('carries workload-addressed traffic (waypoint-for workload) to the pod over HBONE', async () => {
    assert.equal(await client.tcpExchange('127.0.26.3:7000', 'direct'), 'echo:direct');
    const t = ztunnel.tunnels.at(-1)!;
    assert.deepEqual({ authority: t.authority, sni: t.sni }, { authority: '127.0.26.3:7000', sni: '127.0.26.3.hbone.ambit' });
  });

  it('sends traffic for workloads outside the mesh directly, without HBONE', async () => {
    const tunnelsBefore = ztunnel.tunnels.length;
    const res = await client.request('10.97.0.7:80', { path: '/legacy' });
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).app, 'legacy');
    assert.equal(ztunnel.tunnels.length, tunnelsBefore, 'no HBONE tunnel for a plaintext workload');
  });

  it('rotates the waypoint certificate over SDS at half life', async () => {
    const serial = async (): Promise<string> => {
      const certs = (await (await fetch(`${env.envoy.adminAddress}/certs`)).json()) as { certificates: { cert_chain: { serial_number: string }[] }[] };
      return certs.certificates.flatMap((c) => c.cert_chain).map((c) => c.serial_number).sort().join(',');
    };
    const before = await serial();
    const oldCert = new X509Certificate(env.secrets.get('apps/wp')!.certChainPem[0]!);
    clock += 13 * 3600 * 1000;
    assert.deepEqual(await env.secrets.rotateDue(), ['apps/wp']);
    await env.update(mesh(2));
    await env.waitAcked();
    const newCert = new X509Certificate(env.secrets.get('apps/wp')!.certChainPem[0]!);
    assert.notEqual(newCert.serialNumber, oldCert.serialNumber);
    const deadline = Date.now() + 5000;
    while ((await serial()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match((await serial()).toUpperCase(), new RegExp(newCert.serialNumber.toUpperCase().replace(/^0+/, '')));
    assert.equal((await client.request('10.97.0.1:80', { path: '/' })).status, 200);
  });

  it('refuses an HBONE client whose certificate is not from the mesh root', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ambit-foreign-ca-'));
    try {
      const foreignCa = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
      const issued = await foreignCa.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/apps/sa/frontend' });
      // The client trusts the waypoint (mesh root); only its own certificate is foreign.
      const foreign = createHboneClient({ address: WP.address, keyPem: issued.keyPem, certChainPem: issued.certChainPem, rootsPem: env.ca.rootsPem });
      try {
        const outcome = await Promise.race([
          foreign.connectStatus('10.97.0.1:80').then((s) => `status ${s}`, () => 'refused'),
          new Promise<string>((r) => setTimeout(() => r('no tunnel within 5 s'), 5000)),
        ]);
        assert.notEqual(outcome, 'status 200', 'a foreign client certificate must not open a tunnel');
      } finally {
        foreign.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
