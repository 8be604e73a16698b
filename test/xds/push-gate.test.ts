import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPushGate } from '../../src/control-plane/xds/push-gate.js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { deltaClient } from './ads-test-client.js';
import { startHarness } from './harness.js';
import { mesh, pod } from './mesh-factory.js';

test('push gate runs at most `limit` tasks until released, then in order', () => {
  const gate = createPushGate(2);
  const ran: number[] = [];
  for (let i = 0; i < 4; i++) gate.acquire(() => ran.push(i));
  assert.deepEqual(ran, [0, 1]);
  assert.equal(gate.queued, 2);
  gate.release();
  assert.deepEqual(ran, [0, 1, 2]);
  gate.release();
  gate.release();
  gate.release();
  assert.deepEqual(ran, [0, 1, 2, 3]);
  assert.equal(gate.inFlight, 0);
});

test('full pushes beyond the gate limit are all delivered', async (t) => {
  const h = await startHarness({ maxConcurrentFullPushes: 1 });
  t.after(() => h.close());
  h.xds.update(mesh(1, { workloads: [pod('a', '10.1.0.1'), pod('b', '10.1.0.2')] }));
  const clients = [0, 1, 2, 3].map(() => deltaClient(h.address));
  t.after(() => clients.forEach((c) => c.close()));
  for (const c of clients) c.send({ node: { id: 'ztunnel~x' }, type_url: TYPE_URLS.address });
  for (const c of clients) assert.equal((await c.next()).resources.length, 2);
});
