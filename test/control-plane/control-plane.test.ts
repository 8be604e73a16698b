import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createControlPlane, type ControlPlane } from '../../src/control-plane/control-plane.js';
import { createDirConfigSource } from '../../src/control-plane/config/dir-source.js';
import { createMemoryConfigSource } from '../../src/control-plane/config/memory-source.js';
import { DEFAULT_MESH_OPTIONS } from '../../src/shared/model/build-mesh.js';
import type { ConfigSnapshot, ConfigSource } from '../../src/shared/model/objects.js';
import type { MeshSnapshot } from '../../src/shared/model/mesh.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { fixtureDir } from '../model/fixture.js';

const HOST = '127.0.40.1';

async function getJson(cp: ControlPlane, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${HOST}:${cp.ports().admin}${path}`);
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function startBookinfo(): Promise<{ cp: ControlPlane; dir: string; hooks: string[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-cp-'));
  await cp(fixtureDir('bookinfo'), dir, { recursive: true });
  const hooks: string[] = [];
  const plane = createControlPlane(
    { meshOptions: DEFAULT_MESH_OPTIONS, admin: { host: HOST, port: 0 }, grpcPlaintext: { host: HOST, port: 0 } },
    {
      source: createDirConfigSource({ dir, logger: silentLogger, debounceMs: 50 }),
      logger: silentLogger,
      registry: new Registry(),
      grpcServices: [(_server, ctx) => void hooks.push(`${ctx.listener}:${ctx.mesh().version}`)],
      adminRoutes: [{ path: '/debug/extra', handler: (q) => ({ echo: q.x ?? null }) }],
    },
  );
  await plane.start();
  return {
    cp: plane,
    dir,
    hooks,
    async close() {
      await plane.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function nextMesh(cp: ControlPlane, pred: (m: MeshSnapshot) => boolean, ms = 1000): Promise<MeshSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching mesh within ${ms} ms`));
    }, ms);
    const off = cp.onMesh((m) => {
      if (!pred(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
  });
}

test('readiness is 503 until the first config load, then 200', async () => {
  let release!: (s: ConfigSnapshot) => void;
  const gate = new Promise<ConfigSnapshot>((r) => (release = r));
  const source: ConfigSource = { start: () => gate, close: async () => undefined };
  const plane = createControlPlane({ meshOptions: DEFAULT_MESH_OPTIONS, admin: { host: HOST, port: 0 } }, { source, logger: silentLogger, registry: new Registry() });
  const starting = plane.start();
  try {
    while (plane.ports().admin === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await getJson(plane, '/healthz/ready')).status, 503);
    assert.equal((await getJson(plane, '/debug/workloads')).status, 503);
    release({ revision: 1, objects: new Map(), errors: [], notices: [] });
    await starting;
    assert.equal((await getJson(plane, '/healthz/ready')).status, 200);
  } finally {
    release({ revision: 1, objects: new Map(), errors: [], notices: [] });
    await starting;
    await plane.close();
  }
});

test('debug views show workloads with identity, node, waypoint and policies; services; waypoints; policies', async () => {
  const h = await startBookinfo();
  try {
    const { body: wl } = await getJson(h.cp, '/debug/workloads');
    const ratings = wl.workloads.find((w: any) => w.uid === 'Kubernetes//Pod/bookinfo/ratings-v1');
    assert.equal(ratings.identity, 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings');
    assert.equal(ratings.node, 'node-b');
    assert.deepEqual(ratings.policies, ['bookinfo/deny-untrusted', 'bookinfo/ratings-viewer', 'istio-system/deny-test-net']);
    const { body: sv } = await getJson(h.cp, '/debug/services');
    const reviews = sv.services.find((s: any) => s.name === 'reviews');
    assert.equal(reviews.waypoint.name, 'reviews-waypoint');
    assert.equal(reviews.endpoints.length, 3);
    const { body: wp } = await getJson(h.cp, '/debug/waypoints');
    assert.deepEqual(wp.waypoints.map((w: any) => w.key), ['bookinfo/reviews-waypoint', 'bookinfo/waypoint']);
    const { body: pol } = await getJson(h.cp, '/debug/policies');
    const p = pol.policies.find((x: any) => x.key === 'bookinfo/productpage-no-admin');
    assert.equal(p.action, 'DENY');
    assert.deepEqual(p.waypoints, ['bookinfo/waypoint']);
    assert.equal((await getJson(h.cp, '/debug/extra?x=1')).body.echo, '1');
    const { body: cfg } = await getJson(h.cp, '/debug/config');
    const entry = cfg.objects.find((o: any) => o.key === 'Pod/bookinfo/reviews-v2');
    assert.match(entry.source, /20-pods\.yaml$/);
    assert.equal(entry.documentIndex, 3);
    assert.deepEqual(h.hooks, ['plaintext:1']);
  } finally {
    await h.close();
  }
});

test('gRPC plaintext listener is bound on the requested address', async () => {
  const h = await startBookinfo();
  try {
    const port = h.cp.ports().grpcPlaintext;
    assert.ok(port && port > 0);
    await new Promise<void>((resolve, reject) => {
      const s = connect({ host: HOST, port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', reject);
    });
  } finally {
    await h.close();
  }
});

test('hot reload rebuilds the mesh; bad input is listed at /debug/config-errors and counted in metrics', async () => {
  const h = await startBookinfo();
  try {
    const before = h.cp.mesh();
    let metrics = (await getJson(h.cp, '/metrics')).body as string;
    assert.match(metrics, /ambit_config_objects\{kind="Pod"\} 8/);
    assert.match(metrics, /ambit_config_errors 0/);
    const waiting = nextMesh(h.cp, (m) => m.services.has('bookinfo/extra.bookinfo.svc.cluster.local'));
    await writeFile(
      join(h.dir, '70-extra.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: extra, namespace: bookinfo}\nspec: {ports: [{port: 80}]}\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: {name: broken, namespace: bookinfo}\nspec: {ports: [{port: 99999}]}\n',
    );
    const after = await waiting;
    assert.ok(after.version > before.version);
    assert.equal(after.workloads.get('Kubernetes//Pod/bookinfo/details-v1'), before.workloads.get('Kubernetes//Pod/bookinfo/details-v1'));
    const { body } = await getJson(h.cp, '/debug/config-errors');
    assert.equal(body.errors.length, 1);
    assert.equal(body.errors[0].name, 'broken');
    assert.equal(body.errors[0].field, 'spec.ports[0].port');
    assert.match(body.errors[0].text, /70-extra\.yaml: Service bookinfo\/broken: spec\.ports\[0\]\.port:/);
    metrics = (await getJson(h.cp, '/metrics')).body as string;
    assert.match(metrics, /ambit_config_errors 1/);
    assert.match(metrics, /ambit_config_errors_total 1/);
    assert.match(metrics, /ambit_config_objects\{kind="Service"\} 7/);
    h.cp.metrics.certificatesDenied.inc({ reason: 'permission-denied' });
    metrics = (await getJson(h.cp, '/metrics')).body as string;
    assert.match(metrics, /ambit_certificates_denied_total\{reason="permission-denied"\} 1/);
  } finally {
    await h.close();
  }
});

test('memory config source drives the mesh; a throwing mesh listener does not stop others', async () => {
  const base = createMemoryConfigSource([]);
  const plane = createControlPlane({ meshOptions: DEFAULT_MESH_OPTIONS, admin: { host: HOST, port: 0 } }, { source: base, logger: silentLogger, registry: new Registry() });
  await plane.start();
  try {
    assert.equal(plane.mesh().workloads.size, 0);
    plane.onMesh(() => {
      throw new Error('listener bug');
    });
    const next = nextMesh(plane, (m) => m.nodes.has('n1'));
    base.set([{ kind: 'Node', apiVersion: 'v1', origin: { source: 'mem' }, metadata: { name: 'n1', namespace: '', labels: {}, annotations: {} }, spec: { internalIP: '127.0.40.9' } }]);
    assert.equal((await next).nodes.get('n1')?.address, '127.0.40.9');
    assert.equal(plane.config()?.revision, 2);
  } finally {
    await plane.close();
  }
});
