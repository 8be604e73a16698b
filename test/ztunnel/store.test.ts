/** State store indexes: incremental updates, IP reuse between workloads, endpoints per service, one notification per burst, scale. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStateStore } from '../../src/ztunnel/state/store.js';
import { service, workload } from './support/mesh.js';

const KEY = 'default/web.default.svc.cluster.local';

test('indexes follow upserts and removals; an IP reused by another workload stays mapped to it', async () => {
  const state = createStateStore({ nodeName: 'n1' });
  let notifications = 0;
  state.onChange(() => notifications++);
  state.upsertWorkload(workload({ name: 'a', ip: '10.0.0.1', node: 'n1', services: { [KEY]: [{ servicePort: 80, targetPort: 8080 }] } }));
  state.upsertWorkload(workload({ name: 'b', ip: '10.0.0.2', node: 'n2', services: { [KEY]: [{ servicePort: 80, targetPort: 8080 }] } }));
  state.upsertService(service({ name: 'web', vip: '10.96.0.1', ports: [{ servicePort: 80, targetPort: 8080 }] }));
  await Promise.resolve();
  assert.equal(notifications, 1, 'one notification for the burst');
  assert.deepEqual(state.endpointsOf(KEY).map((w) => w.name), ['a', 'b']);
  assert.equal(state.localWorkloadByIp('10.0.0.2'), undefined, 'b runs on another node');
  // a moves to a new IP; c takes a's old one; then a is removed: c keeps the IP.
  state.upsertWorkload(workload({ name: 'a', ip: '10.0.0.9', node: 'n1' }));
  state.upsertWorkload(workload({ name: 'c', ip: '10.0.0.1', node: 'n1' }));
  state.removeAddress('Kubernetes//Pod/default/a');
  assert.equal(state.workloadByIp('10.0.0.1')?.name, 'c');
  assert.equal(state.workloadByIp('10.0.0.9'), undefined);
  assert.deepEqual(state.endpointsOf(KEY).map((w) => w.name), ['b'], 'a left the service when its ports changed');
  state.removeAddress(KEY);
  assert.equal(state.serviceByVip('10.96.0.1'), undefined);
  assert.equal(state.serviceByHostname('web.default.svc.cluster.local'), undefined);
});

test('10,000 workloads apply in well under a second', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const start = Date.now();
  for (let i = 0; i < 10_000; i++) {
    state.upsertWorkload(workload({ name: `w${i}`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, node: `n${i % 50}`, services: { [`default/s${i % 1000}.default.svc.cluster.local`]: [{ servicePort: 80, targetPort: 80 }] } }));
  }
  assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
  assert.equal(state.endpointsOf('default/s7.default.svc.cluster.local').length, 10);
});
