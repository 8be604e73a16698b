import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { decodeAddress, decodeAuthorization } from '../../src/shared/xds/wds-codec.js';
import { deltaClient, type DeltaResponse } from './ads-test-client.js';
import { metricValue, startHarness, type Harness } from './harness.js';
import type { ResourceGenerator } from '../../src/control-plane/xds/generator.js';
import { makeResource } from '../../src/control-plane/xds/resource.js';
import { evolve, mesh, pod, policy, service } from './mesh-factory.js';

const NODE = { id: 'ztunnel~127.0.42.11~ztunnel-a.istio-system~istio-system.svc.cluster.local', metadata: { fields: { NODE_NAME: { string_value: 'node-a' } } } };
const a = pod('a', '10.1.0.1');
const b = pod('b', '10.1.0.2');
const svc = service('reviews', '10.96.0.10');
const m1 = mesh(1, { workloads: [a, b], services: [svc] });

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(await cond(), 'condition not reached');
}

/** A harness closed when the test ends, already serving `mesh`. */
async function startedWith(t: { after(fn: () => unknown): void }, mesh: Parameters<Harness['xds']['update']>[0]): Promise<Harness> {
  const h = await startHarness();
  t.after(() => h.close());
  h.xds.update(mesh);
  return h;
}

function names(res: DeltaResponse): string[] {
  return res.resources.map((r) => r.name).sort();
}

test('delta: initial wildcard state, ACK, incremental update, removal, policy add', async (t) => {
  const h = await startedWith(t, m1);
  const c = deltaClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.address });
  c.send({ type_url: TYPE_URLS.authorization });
  const addr = await c.next();
  assert.equal(addr.type_url, TYPE_URLS.address);
  assert.deepEqual(names(addr), [a.uid, b.uid, svc.key].sort());
  assert.equal(decodeAddress(addr.resources.find((r) => r.name === svc.key)!.resource).type, 'service');
  c.ack(addr);
  const authz = await c.next();
  assert.equal(authz.type_url, TYPE_URLS.authorization);
  assert.deepEqual(authz.resources, [], 'first wildcard answer is sent even when empty');
  c.ack(authz);

  // One pod changes: only it is sent.
  const m2 = evolve(m1, { workloads: [{ ...b, healthy: false }] });
  h.xds.update(m2);
  const upd = await c.next();
  assert.deepEqual(names(upd), [b.uid]);
  assert.deepEqual(upd.removed_resources, []);
  assert.equal(upd.system_version_info, '2');
  c.ack(upd);

  // A pod is deleted and a policy appears: a removal for Address, an add for Authorization.
  const m3 = evolve(m2, { remove: [a.uid], policies: [policy('default', 'allow-ns', { rules: [{ from: [{ source: { namespaces: ['default'] } }] }] })] });
  h.xds.update(m3);
  const got = [await c.next(), await c.next()].sort((x, y) => x.type_url.localeCompare(y.type_url));
  const [pol, rem] = got as [DeltaResponse, DeltaResponse];
  assert.equal(rem.type_url, TYPE_URLS.address);
  assert.deepEqual(rem.removed_resources, [a.uid]);
  assert.deepEqual(rem.resources, []);
  assert.deepEqual(names(pol), ['default/allow-ns']);
  assert.equal(decodeAuthorization(pol.resources[0]!.resource).scope, 'NAMESPACE');
  c.ack(rem);
  c.ack(pol);
  await new Promise((r) => setTimeout(r, 50));
  const debug = h.xds.debug() as { clients: { nodeId: string; types: { typeUrl: string; lastAckedVersion: string; state: string }[] }[] };
  assert.equal(debug.clients[0]!.nodeId, NODE.id);
  const addrState = debug.clients[0]!.types.find((x) => x.typeUrl === TYPE_URLS.address)!;
  assert.equal(addrState.lastAckedVersion, '3');
  assert.equal(addrState.state, 'acked');
  assert.equal(await metricValue(h.registry, 'ambit_xds_connected_clients'), 1);
  // 2 initial answers + 1 update + 2 (removal, policy).
  assert.equal(await metricValue(h.registry, 'ambit_xds_pushes_total', { type: TYPE_URLS.address }), 3);
  assert.equal(await metricValue(h.registry, 'ambit_xds_pushes_total', { type: TYPE_URLS.authorization }), 2);
  const latency = (await h.registry.getMetricsAsJSON()).find((m) => m.name === 'ambit_xds_push_latency_seconds');
  const count = latency?.values.find((v) => (v as { metricName?: string }).metricName === 'ambit_xds_push_latency_seconds_count' && v.labels.type === TYPE_URLS.address);
  assert.equal(count?.value, 2, 'latency observed for the two mesh-change pushes of Address');
  c.close();
  await until(async () => (await metricValue(h.registry, 'ambit_xds_connected_clients')) === 0);
});

test('delta: named subscriptions and aliases get only their resources; unchanged clients get nothing', async (t) => {
  const h = await startedWith(t, m1);
  const named = deltaClient(h.address);
  const wild = deltaClient(h.address);
  t.after(() => (named.close(), wild.close()));
  named.send({ node: NODE, type_url: TYPE_URLS.address, resource_names_subscribe: ['*'], resource_names_unsubscribe: ['*'] });
  const empty = await named.next();
  assert.deepEqual(empty.resources, [], 'subscribe-to-nothing (XDS_ON_DEMAND start) gets an empty answer');
  named.ack(empty);
  named.send({ type_url: TYPE_URLS.address, resource_names_subscribe: ['/10.1.0.1'] });
  const byAlias = await named.next();
  assert.deepEqual(names(byAlias), [a.uid], 'alias /<ip> resolves to the workload');
  assert.deepEqual(byAlias.resources[0]!.aliases, ['/10.1.0.1']);
  named.ack(byAlias);
  wild.send({ node: NODE, type_url: TYPE_URLS.address });
  wild.ack(await wild.next());

  h.xds.update(evolve(m1, { workloads: [{ ...b, healthy: false }] }));
  assert.deepEqual(names(await wild.next()), [b.uid]);
  assert.equal(await named.quiet(300), undefined, 'client not subscribed to b gets no push');

  named.send({ type_url: TYPE_URLS.address, resource_names_unsubscribe: ['/10.1.0.1'] });
  await until(() => (h.xds.debug() as any).clients.some((c: any) => c.types[0].subscription.length === 0));
  h.xds.update(evolve(m1, { workloads: [{ ...a, healthy: false }] }));
  assert.equal(await named.quiet(300), undefined, 'unsubscribed resource is no longer pushed');
});

test('delta: NACK is recorded with its message; next change still pushed', async (t) => {
  const h = await startedWith(t, m1);
  const c = deltaClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.address });
  const first = await c.next();
  c.send({ type_url: TYPE_URLS.address, response_nonce: first.nonce, error_detail: { code: 3, message: 'workload b: unknown enum' } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await metricValue(h.registry, 'ambit_xds_nacks_total', { type: TYPE_URLS.address }), 1);
  const dbg = h.xds.debug() as any;
  const st = dbg.clients[0].types[0];
  assert.equal(st.state, 'nacked');
  assert.equal(st.lastNack.message, 'workload b: unknown enum');
  assert.equal(st.lastNack.nonce, first.nonce);
  h.xds.update(evolve(m1, { workloads: [pod('c', '10.1.0.3')] }));
  assert.deepEqual(names(await c.next()), ['Kubernetes//Pod/default/c']);
});

test('delta: reconnect with initial_resource_versions gets only what changed, and removals', async (t) => {
  const h = await startedWith(t, m1);
  const c1 = deltaClient(h.address);
  c1.send({ node: NODE, type_url: TYPE_URLS.address });
  const first = await c1.next();
  const versions = Object.fromEntries(first.resources.map((r) => [r.name, r.version]));
  c1.close();
  // While disconnected: b changes, a is deleted.
  h.xds.update(evolve(m1, { workloads: [{ ...b, node: 'node-b' }], remove: [a.uid] }));
  const c2 = deltaClient(h.address);
  t.after(() => c2.close());
  c2.held.set(TYPE_URLS.address, new Map(Object.entries(versions)));
  c2.send({ node: NODE, type_url: TYPE_URLS.address, initial_resource_versions: versions });
  const res = await c2.next();
  assert.deepEqual(names(res), [b.uid]);
  assert.deepEqual(res.removed_resources, [a.uid]);
});

test('delta: malformed requests end the stream with INVALID_ARGUMENT; server keeps serving', async (t) => {
  const h = await startedWith(t, m1);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ node: NODE, type_url: 'garbage' }, /type_url "garbage"/],
    [{ node: NODE, type_url: 'type.googleapis.com/google.protobuf.Duration' }, /not an xDS resource type/],
    [{ node: NODE, type_url: TYPE_URLS.address, resource_names_subscribe: ['ok', 'bad\u0000name'] }, /resource_names_subscribe\[1\].*control characters/],
    [{ node: NODE, type_url: TYPE_URLS.address, response_nonce: 'forged-7' }, /response_nonce "forged-7" was never sent/],
  ];
  for (const [req, msg] of cases) {
    const c = deltaClient(h.address);
    c.send(req);
    const status = await c.ended;
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, msg);
    c.close();
  }
  const bad = deltaClient(h.address, 'bad');
  bad.send({ node: NODE, type_url: TYPE_URLS.address });
  const st = await bad.ended;
  assert.equal(st.code, grpc.status.UNAUTHENTICATED);
  assert.match(st.details, /token rejected/);
  bad.close();
  // An Envoy type without a generator gets an empty answer instead of a broken stream; real types still work.
  const c = deltaClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.cluster });
  const none = await c.next();
  assert.equal(none.type_url, TYPE_URLS.cluster);
  assert.deepEqual(none.resources, []);
  c.send({ type_url: TYPE_URLS.address });
  assert.equal((await c.next()).resources.length, 3);
});

test('delta: re-pushing the same mesh regenerates per-client output (inputs outside the mesh may change)', async (t) => {
  let secret = 'v1';
  const perClient: ResourceGenerator = {
    typeUrl: TYPE_URLS.secret,
    perClient: true,
    generate: () => new Map([['default', makeResource('default', TYPE_URLS.secret, Buffer.from(secret))]]),
  };
  const h = await startHarness({ extraGenerators: [perClient] });
  t.after(() => h.close());
  h.xds.update(m1);
  const c = deltaClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.address });
  c.send({ type_url: TYPE_URLS.secret });
  c.ack(await c.next());
  const first = await c.next();
  assert.equal(first.resources[0]!.resource.value.toString(), 'v1');
  c.ack(first);
  secret = 'v2';
  h.xds.update(m1);
  const rotated = await c.next();
  assert.equal(rotated.type_url, TYPE_URLS.secret, 'unchanged Address output is not resent');
  assert.equal(rotated.resources[0]!.resource.value.toString(), 'v2');
  assert.equal((h.xds.debug() as any).pushVersion, 2);
});

test('delta: updates inside the debounce window are pushed once, with the last mesh', async (t) => {
  const h = await startHarness({ debounceMs: 100 });
  t.after(() => h.close());
  h.xds.update(m1);
  const c = deltaClient(h.address);
  t.after(() => c.close());
  c.send({ node: NODE, type_url: TYPE_URLS.address });
  c.ack(await c.next());
  const m2 = evolve(m1, { workloads: [{ ...a, healthy: false }] });
  const m3 = evolve(m2, { workloads: [{ ...b, healthy: false }] });
  h.xds.update(m2);
  h.xds.update(m3);
  const res = await c.next();
  assert.deepEqual(names(res), [a.uid, b.uid].sort());
  assert.equal(res.system_version_info, '2', 'one push epoch for the burst');
  assert.equal(await c.quiet(250), undefined);
});
