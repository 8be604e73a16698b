import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { createDeltaClient, type DeltaResource } from '../../src/shared/xds/delta-client.js';
import { decodeAddress } from '../../src/shared/xds/wds-codec.js';
import { adsSchema } from '../../src/shared/xds/ads-messages.js';
import { grpcCodec } from '../../src/shared/proto/wire-codec.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { startHarness } from './harness.js';
import { evolve, mesh, pod, policy } from './mesh-factory.js';

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('delta client: applies state, NACKs on handler errors, reconnects with held versions', async (t) => {
  const a = pod('a', '10.1.0.1');
  const b = pod('b', '10.1.0.2');
  const m1 = mesh(1, { workloads: [a, b], policies: [policy('istio-system', 'strict', { action: 'DENY', rules: [{}] })] });
  let h = await startHarness();
  const port = h.port;
  h.xds.update(m1);
  const state = new Map<string, Map<string, DeltaResource>>();
  const connections: boolean[] = [];
  const batches: { typeUrl: string; added: string[]; removed: string[] }[] = [];
  let rejectNext = false;
  const client = createDeltaClient({
    address: h.address,
    node: { id: 'ztunnel~127.0.42.11~z.istio-system~istio-system.svc.cluster.local', metadata: { NODE_NAME: 'node-a' } },
    typeUrls: [TYPE_URLS.address, TYPE_URLS.authorization],
    onResources(typeUrl, added, removed) {
      batches.push({ typeUrl, added: added.map((r) => r.name), removed });
      if (rejectNext) {
        rejectNext = false;
        return ['workload x: bad'];
      }
      const m = state.get(typeUrl) ?? new Map<string, DeltaResource>();
      state.set(typeUrl, m);
      for (const r of added) m.set(r.name, r);
      for (const n of removed) m.delete(n);
      return [];
    },
    onConnectionChange: (c) => connections.push(c),
    logger: silentLogger,
    backoffMs: 50,
  });
  t.after(async () => {
    client.close();
    await h.close();
  });
  client.start();
  await until(() => state.get(TYPE_URLS.address)?.size === 2 && state.get(TYPE_URLS.authorization)?.size === 1);
  assert.equal((decodeAddress(state.get(TYPE_URLS.address)!.get(a.uid)!.resource).workload as any).name, 'a');
  assert.deepEqual(connections, [true]);
  await until(() => (h.xds.debug() as any).clients[0]?.types.every((x: any) => x.state === 'acked'));
  const dbg = (h.xds.debug() as any).clients[0];
  assert.equal(dbg.caller.node, 'node-a');

  rejectNext = true;
  h.xds.update(evolve(m1, { workloads: [pod('c', '10.1.0.3')] }));
  await until(() => (h.xds.debug() as any).clients[0]?.types.some((x: any) => x.state === 'nacked'));
  assert.equal((h.xds.debug() as any).clients[0].types.find((x: any) => x.lastNack).lastNack.message, 'workload x: bad');

  // Restart the server on the same port with a changed mesh: the client reconnects and, since it sent its versions,
  // receives only c (the NACKed resource it does not hold), a's change and b's removal.
  await h.close();
  await until(() => connections.at(-1) === false);
  h = await startHarness({ port });
  h.xds.update(evolve(m1, { workloads: [{ ...a, healthy: false }, pod('c', '10.1.0.3')], remove: [b.uid] }));
  batches.length = 0;
  await until(() => connections.at(-1) === true && batches.some((x) => x.typeUrl === TYPE_URLS.address));
  const addrBatch = batches.find((x) => x.typeUrl === TYPE_URLS.address)!;
  assert.deepEqual(addrBatch.added.sort(), [a.uid, 'Kubernetes//Pod/default/c'].sort());
  assert.deepEqual(addrBatch.removed, [b.uid]);
  assert.deepEqual([...state.get(TYPE_URLS.address)!.keys()].sort(), [a.uid, 'Kubernetes//Pod/default/c'].sort());
  await until(() => batches.some((x) => x.typeUrl === TYPE_URLS.authorization));
  assert.deepEqual(batches.find((x) => x.typeUrl === TYPE_URLS.authorization)!.added, [], 'unchanged policy not re-sent');
});

test('delta client: the stream carries clusterid (default Kubernetes) and the bearer token, as Istio ztunnel sends them', async (t) => {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    seen.push(headers);
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const open = (extra: { token?: string; clusterId?: string }) =>
    createDeltaClient({
      address: `127.0.0.1:${port}`, node: { id: 'ztunnel~127.0.0.1~z.istio-system~istio-system.svc.cluster.local' },
      typeUrls: [TYPE_URLS.address], onResources: () => [], logger: silentLogger, ...extra,
    });
  const clients = [open({}), open({ token: 'tok', clusterId: 'east' })];
  t.after(async () => {
    for (const c of clients) c.close();
    await new Promise((r) => server.close(r));
  });
  clients[0]!.start();
  await until(() => seen.length === 1);
  clients[1]!.start();
  await until(() => seen.length === 2);
  assert.equal(seen[0]!.clusterid, 'Kubernetes');
  assert.equal(seen[0]!.authorization, undefined);
  assert.equal(seen[1]!.clusterid, 'east');
  assert.equal(seen[1]!.authorization, 'Bearer tok');
});

test('delta client: a NACK that names its rejections still records the versions of the resources that applied', async (t) => {
  const a = pod('a', '10.1.0.1');
  const bad = pod('bad', '10.1.0.9');
  const m1 = mesh(1, { workloads: [a, bad] });
  let h = await startHarness();
  const port = h.port;
  h.xds.update(m1);
  const applied = new Set<string>();
  let connected = false;
  const client = createDeltaClient({
    address: h.address,
    node: { id: 'ztunnel~127.0.42.11~z.istio-system~istio-system.svc.cluster.local', metadata: { NODE_NAME: 'node-a' } },
    typeUrls: [TYPE_URLS.address],
    // As the ztunnel's WDS handler: the valid resources apply, the invalid one is rejected by name.
    onResources(_typeUrl, added, removed) {
      const rejected = added.filter((r) => r.name === bad.uid).map((r) => r.name);
      for (const r of added) if (!rejected.includes(r.name)) applied.add(r.name);
      for (const n of removed) applied.delete(n);
      return { errors: rejected.map((n) => `${n}: invalid`), rejected };
    },
    onConnectionChange: (c) => (connected = c),
    logger: silentLogger,
    backoffMs: 50,
  });
  t.after(async () => {
    client.close();
    await h.close();
  });
  client.start();
  await until(() => applied.has(a.uid));
  await until(() => (h.xds.debug() as any).clients[0]?.types[0]?.state === 'nacked');
  assert.equal((h.xds.debug() as any).clients[0].types[0].lastNack.message, `${bad.uid}: invalid`);

  await h.close();
  await until(() => !connected);
  h = await startHarness({ port });
  h.xds.update(evolve(m1, { remove: [a.uid] }));
  await until(() => !applied.has(a.uid));
});

test('delta client: a token function is asked again at every reconnect, so a rotated token is sent', async (t) => {
  const seen: (string | undefined)[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    seen.push(headers.authorization as string | undefined);
    stream.on('error', () => undefined);
    // As a control plane refusing the caller: the stream ends at once and the client retries.
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'unauthenticated' }, { endStream: true });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.70.1', r));
  const port = (server.address() as AddressInfo).port;
  let current = 'old-token';
  const client = createDeltaClient({
    address: `127.0.70.1:${port}`, node: { id: 'ztunnel~127.0.70.1~z.istio-system~istio-system.svc.cluster.local' },
    typeUrls: [TYPE_URLS.address], onResources: () => [], logger: silentLogger, backoffMs: 20,
    token: () => current,
  });
  t.after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
  });
  client.start();
  await until(() => seen.length >= 1);
  current = 'new-token';
  await until(() => seen.includes('Bearer new-token'));
  assert.equal(seen[0], 'Bearer old-token');
  assert.ok(seen.every((a) => a === 'Bearer old-token' || a === 'Bearer new-token'), `unexpected headers ${seen.join(', ')}`);
});

/**
 * A control plane that answers each stream once (an empty Address push) and ends it after `holdMs`; records when
 * each stream arrived and ended.
 */
async function answerOnceServer(host: string, holdMs: number) {
  const codec = grpcCodec<object>(adsSchema().message('envoy.service.discovery.v3.DeltaDiscoveryResponse'));
  const starts: number[] = [];
  const ends: number[] = [];
  const server = http2.createServer();
  server.on('stream', (stream) => {
    starts.push(performance.now());
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const body = Buffer.from(codec.serialize({ type_url: TYPE_URLS.address, nonce: `n${starts.length}`, system_version_info: '1' }));
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    stream.write(frame);
    setTimeout(() => {
      ends.push(performance.now());
      if (!stream.destroyed) stream.end();
    }, holdMs);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = `${host}:${(server.address() as AddressInfo).port}`;
  return { address, starts, ends, close: () => new Promise((r) => server.close(r)) };
}

const gaps = (ends: readonly number[], starts: readonly number[]): number[] => starts.slice(1).map((s, i) => Math.round(s - ends[i]!));

test('delta client: a control plane that answers once and then ends the stream is redialled with a growing delay', async (t) => {
  const server = await answerOnceServer('127.0.70.2', 0);
  let responses = 0;
  const client = createDeltaClient({
    address: server.address, node: { id: 'ztunnel~127.0.70.2~z.istio-system~istio-system.svc.cluster.local' },
    typeUrls: [TYPE_URLS.address], onResources: () => (responses++, []), logger: silentLogger, backoffMs: 40,
  });
  t.after(async () => {
    client.close();
    await server.close();
  });
  client.start();
  await until(() => server.starts.length >= 5, 5000);
  assert.ok(responses >= 4, 'every stream delivered its response');
  const g = gaps(server.ends, server.starts);
  // At least 40, 80, 160, 320 ms (timers never fire early); with a reset on every response all would be ~40 ms.
  g.forEach((gap, i) => assert.ok(gap >= 40 * 2 ** i - 2, `delays grow: ${g.join(', ')} ms`));
});

test('delta client: a stream that stayed up for stableStreamMs after answering resets the reconnect delay', async (t) => {
  const server = await answerOnceServer('127.0.70.3', 150);
  const client = createDeltaClient({
    address: server.address, node: { id: 'ztunnel~127.0.70.3~z.istio-system~istio-system.svc.cluster.local' },
    typeUrls: [TYPE_URLS.address], onResources: () => [], logger: silentLogger, backoffMs: 40, stableStreamMs: 100,
  });
  t.after(async () => {
    client.close();
    await server.close();
  });
  client.start();
  await until(() => server.starts.length >= 6, 5000);
  const g = gaps(server.ends, server.starts);
  // ~40 ms each; without the reset they would grow to 640 ms.
  for (const gap of g) assert.ok(gap < 300, `every delay is the base one: ${g.join(', ')} ms`);
});
