/**
 * Policy delivery: the real xDS server with the brain generators → the brain's Delta xDS source. The brain denies
 * until the first policy response, applies updates, and keeps enforcing the last good set after the control plane
 * goes away.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createXdsServer, type XdsServer } from '../../src/control-plane/xds/server.js';
import { createBrainGenerators } from '../../src/control-plane/translate/brain/index.js';
import { createBrain, type Brain, type CheckResponseMessage } from '../../src/waypoint/brain/index.js';
import { createXdsPolicySource } from '../../src/waypoint/brain/xds-source.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { checkRequest } from './support/check-client.js';
import { PRODUCTS, mesh, policy, waypoint } from './support/mesh.js';

const HOST = '127.0.30.5';
let xds: XdsServer;
let server: grpc.Server;
let brain: Brain;

const wp = waypoint('shop', 'waypoint', [PRODUCTS], { 'ambit.dev/debug': 'true' });
const noDelete = policy('shop', 'no-delete', 'DENY', [{ to: [{ operation: { methods: ['DELETE'] } }] }], { waypoints: ['shop/waypoint'], services: [PRODUCTS] });

async function eventually(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const del = (): CheckResponseMessage => brain.checkHandler.check(checkRequest({ method: 'DELETE', host: 'products.shop.svc.cluster.local' }));
const denied = (r: CheckResponseMessage) => r.status.code === 7;

before(async () => {
  xds = createXdsServer({
    generators: createBrainGenerators(),
    authenticate: () => ({ kind: 'waypoint', namespace: 'shop', name: 'waypoint' }),
    debounceMs: 0,
    registry: new Registry(),
    logger: silentLogger,
  });
  server = new grpc.Server();
  xds.register(server);
  const port = await new Promise<number>((res, rej) => server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  brain = createBrain(
    { waypoint: 'shop/waypoint', grpcTarget: `${HOST}:0`, httpHost: HOST, metricsPort: 0, readinessPort: 0 },
    {
      logger: silentLogger,
      policySource: createXdsPolicySource({ address: `${HOST}:${port}`, nodeId: 'brain~127.0.30.20~waypoint.shop~shop.svc.cluster.local', logger: silentLogger }),
    },
  );
  await brain.start();
});

after(async () => {
  await brain.close();
  xds.close();
  server.forceShutdown();
});

test('denies before the first policy set, then enforces what the control plane sends', async () => {
  assert.equal(brain.ready(), false);
  const early = brain.checkHandler.check(checkRequest({}));
  assert.equal(early.status.code, 7);
  assert.equal(early.dynamic_metadata?.fields.ambit_reason?.stringValue, 'policies-not-synced');
  const ready = await fetch(`http://${HOST}:${brain.ports.readiness}/healthz/ready`);
  assert.equal(ready.status, 503);

  xds.update(mesh(1, { waypoints: [wp], policies: [noDelete] }));
  await eventually('first policy set', () => brain.ready());
  assert.equal((await fetch(`http://${HOST}:${brain.ports.readiness}/healthz/ready`)).status, 200);
  await eventually('DELETE denied', () => denied(del()));
  const r = del();
  assert.equal(r.denied_response?.headers.find((h) => h.header.key === 'x-ambit-authz')?.header.value, 'deny policy=shop/no-delete rule=0', 'debug mode from the Gateway annotation');
  assert.equal(brain.checkHandler.check(checkRequest({ host: 'products.shop.svc.cluster.local' })).status.code, 0, 'GET allowed');
});

test('removal and re-adding propagate', async () => {
  xds.update(mesh(2, { waypoints: [wp], policies: [] }));
  await eventually('policy removed', () => !denied(del()));
  xds.update(mesh(3, { waypoints: [wp], policies: [noDelete] }));
  await eventually('policy back', () => denied(del()));
});

test('keeps enforcing the last good set when the control plane goes away', async () => {
  xds.close();
  server.forceShutdown();
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(denied(del()));
  assert.equal(brain.checkHandler.check(checkRequest({ host: 'products.shop.svc.cluster.local' })).status.code, 0);
});
