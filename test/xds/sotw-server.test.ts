import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { decodeAddress } from '../../src/shared/xds/wds-codec.js';
import { sotwClient, type SotwResponse } from './ads-test-client.js';
import { metricValue, startHarness } from './harness.js';
import { evolve, mesh, pod, service } from './mesh-factory.js';

const NODE = { id: 'router~127.0.42.21~waypoint-x.default~default.svc.cluster.local' };
const a = pod('a', '10.1.0.1');
const b = pod('b', '10.1.0.2');
const m1 = mesh(1, { workloads: [a, b], services: [service('s', '10.96.0.1')] });

function uids(res: SotwResponse): string[] {
  return res.resources.map((r) => {
    const addr = decodeAddress(r) as any;
    return addr.workload?.uid ?? `${addr.service.namespace}/${addr.service.hostname}`;
  }).sort();
}

test('sotw: wildcard full state, ACK, full re-send on change, stale nonce ignored, NACK recorded', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const c = sotwClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.address });
  assert.equal(await c.quiet(150), undefined, 'no answer before the first mesh');
  h.xds.update(m1);
  const r1 = await c.next();
  assert.equal(r1.version_info, '1');
  assert.deepEqual(uids(r1), [a.uid, b.uid, 'default/s.default.svc.cluster.local'].sort());
  c.send({ type_url: TYPE_URLS.address, version_info: r1.version_info, response_nonce: r1.nonce });

  h.xds.update(evolve(m1, { workloads: [{ ...a, healthy: false }] }));
  const r2 = await c.next();
  assert.equal(r2.version_info, '2');
  assert.equal(r2.resources.length, 3, 'SotW re-sends the whole set');
  // A late request carrying the old nonce is stale: ignored, no response.
  c.send({ type_url: TYPE_URLS.address, version_info: r1.version_info, response_nonce: r1.nonce, resource_names: [a.uid] });
  assert.equal(await c.quiet(200), undefined);
  c.send({ type_url: TYPE_URLS.address, version_info: r1.version_info, response_nonce: r2.nonce, error_detail: { code: 3, message: 'bad address' } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await metricValue(h.registry, 'ambit_xds_nacks_total', { type: TYPE_URLS.address }), 1);
  const st = (h.xds.debug() as any).clients[0];
  assert.equal(st.proxyType, 'waypoint');
  assert.equal(st.types[0].lastNack.message, 'bad address');
  assert.equal(st.types[0].lastAckedVersion, '1');

  // Mesh change that does not touch the subscribed set: nothing sent after narrowing to `a`.
  c.send({ type_url: TYPE_URLS.address, version_info: '1', response_nonce: r2.nonce, resource_names: [a.uid] });
  const r3 = await c.next();
  assert.deepEqual(uids(r3), [a.uid]);
  c.send({ type_url: TYPE_URLS.address, version_info: r3.version_info, response_nonce: r3.nonce, resource_names: [a.uid] });
  h.xds.update(evolve(m1, { workloads: [{ ...b, healthy: false }, { ...a, healthy: false }] }));
  assert.equal(await c.quiet(200), undefined, 'a is unchanged since r3 → no push');
});

test('sotw: garbage type URL closes with INVALID_ARGUMENT', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const c = sotwClient(h.address);
  c.send({ node: NODE, type_url: 'type.googleapis.com/evil.Thing' });
  const st = await c.ended;
  assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
  assert.match(st.details, /evil\.Thing/);
  c.close();
});
