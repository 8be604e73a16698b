/**
 * A waypoint's ADS token can rotate without restarting its Envoy: Envoy talks to the waypoint's xDS proxy on a Unix
 * socket, and the proxy opens each control plane call with the token as it is now. Real Envoy 1.40; the control plane
 * is restarted (new xDS server, same port) after the rotation so that Envoy must reconnect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envoyOrSkip } from '../support/envoy.js';
import { buildTestMesh, type MeshFixture } from './support/mesh-fixture.js';
import { startWaypointEnv, type WaypointEnv } from './support/waypoint-env.js';

const envoy = envoyOrSkip();
const WP = { namespace: 'default', name: 'waypoint', address: '127.0.21.4' };
const HTTP = [{ port: 9080, targetPort: 8080, appProtocol: 'http' }];
const fixture = (version: number, services: string[]): MeshFixture => ({
  version,
  waypoint: WP,
  services: services.map((name, i) => ({ name, vip: `10.96.4.${i + 1}`, ports: HTTP, endpoints: [{ name: `${name}-1`, ip: `127.0.23.${40 + i}`, nodeAddress: '127.0.22.4' }] })),
});

const clusterNames = async (env: WaypointEnv): Promise<string[]> => {
  const dump = (await (await fetch(`${env.envoy.adminAddress}/config_dump?resource=dynamic_active_clusters`)).json()) as { configs: { cluster: { name: string } }[] };
  return dump.configs.map((c) => c.cluster.name);
};

describe('waypoint ADS token rotation', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let env: WaypointEnv;
  let sent = 'token-1';
  let accepted = 'token-1';

  before(async () => {
    env = await startWaypointEnv({
      envoyPath: (envoy as { path: string }).path,
      mesh: buildTestMesh(fixture(1, ['reviews'])),
      waypointKey: 'default/waypoint',
      xdsBind: '127.0.20.4',
      token: () => sent,
      acceptedToken: () => accepted,
    });
    await env.waitAcked();
  });
  after(() => env?.close());

  it('keeps receiving config after the token file changes and the control plane restarts, with the same Envoy', async () => {
    const before = (await (await fetch(`${env.envoy.adminAddress}/server_info`)).json()) as { uptime_current_epoch: string };
    assert.ok((await clusterNames(env)).some((n) => n.includes('reviews.default.svc.cluster.local')));
    sent = 'token-2';
    accepted = 'token-2'; // the old token no longer works anywhere
    await env.restartXds();
    await env.update(buildTestMesh(fixture(2, ['reviews', 'ratings'])));
    await env.waitAcked(30_000);
    const names = await clusterNames(env);
    assert.ok(names.some((n) => n.includes('ratings.default.svc.cluster.local')), `config pushed after the rotation reached Envoy: ${names.join(', ')}`);
    const after = (await (await fetch(`${env.envoy.adminAddress}/server_info`)).json()) as { uptime_current_epoch: string };
    assert.ok(Number.parseInt(after.uptime_current_epoch, 10) >= Number.parseInt(before.uptime_current_epoch, 10), 'Envoy was not restarted');
  });
});
