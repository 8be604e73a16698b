/**
 * Workload discovery against the real xDS server when a response is NACKed: the resources of that response which did
 * apply are still accounted for, so a reconnect after a control plane outage removes them when they are gone.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createXdsServer } from '../../src/control-plane/xds/server.js';
import type { ResourceGenerator, XdsResource } from '../../src/control-plane/xds/generator.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';
import { createAuthorizationGenerator } from '../../src/control-plane/translate/authorization/generator.js';
import type { MeshSnapshot } from '../../src/shared/model/mesh.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createWdsDiscovery } from '../../src/ztunnel/discovery.js';
import { createStateStore } from '../../src/ztunnel/state/store.js';
import { evolve, mesh, pod } from '../xds/mesh-factory.js';

const HOST = '127.0.71.1';
const NODE_ADDRESS = '127.0.71.11';

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The real Address generator, except that workloads named `bad` go out as an empty Address, which ztunnel rejects. */
function addressesWithABadOne(): ResourceGenerator {
  const real = createAddressGenerator();
  return {
    typeUrl: real.typeUrl,
    perClient: real.perClient,
    generate(m, client) {
      const out = new Map<string, XdsResource>();
      for (const [name, r] of real.generate(m, client)) {
        out.set(name, name.endsWith('/bad') ? { ...r, resource: { type_url: r.resource.type_url, value: Buffer.alloc(0) } } : r);
      }
      return out;
    },
  };
}

async function startServer(snapshot: MeshSnapshot, port = 0) {
  const xds = createXdsServer({
    generators: [addressesWithABadOne(), createAuthorizationGenerator()],
    authenticate: () => ({ kind: 'node', node: 'node-a' }),
    debounceMs: 0,
    registry: new Registry(),
    logger: silentLogger,
  });
  const server = new grpc.Server();
  xds.register(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  xds.update(snapshot);
  return {
    xds,
    port: bound,
    close() {
      xds.close();
      server.forceShutdown();
    },
  };
}

/** A started WDS discovery of node-a against `port`; stopped, and the server closed via `closeServer`, after the test. */
function discoveryTo(t: TestContext, port: number, closeServer: () => void) {
  const state = createStateStore({ nodeName: 'node-a' });
  const discovery = createWdsDiscovery({ address: `${HOST}:${port}`, nodeName: 'node-a', nodeAddress: NODE_ADDRESS, backoffMs: 50 }, { state, logger: silentLogger });
  t.after(() => {
    discovery.close();
    closeServer();
  });
  discovery.start();
  return { state, discovery };
}

test('xds: a workload that applied in a NACKed response is removed after a reconnect once the control plane dropped it', async (t) => {
  const a = pod('a', '10.71.0.1');
  const bad = pod('bad', '10.71.0.9');
  const m1 = mesh(1, { workloads: [a, bad] });
  let server = await startServer(m1);
  const { state, discovery } = discoveryTo(t, server.port, () => server.close());
  await until('a applied', () => state.workloadByIp('10.71.0.1') !== undefined);
  const nacked = () => (server.xds.debug() as any).clients[0]?.types.some((x: any) => x.state === 'nacked');
  await until('the response with bad NACKed', nacked);
  assert.equal(state.workloadByIp('10.71.0.9'), undefined, 'bad was rejected');

  // a is deleted while the control plane is down; the restarted one only knows the mesh without it.
  server.close();
  await until('disconnected', () => discovery.connected?.() === false);
  server = await startServer(evolve(m1, { remove: [a.uid] }), server.port);
  await until('reconnected', () => discovery.connected?.() === true);
  await until('bad NACKed again', nacked);
  await until('a removed', () => state.workloadByIp('10.71.0.1') === undefined);
  assert.deepEqual(state.workloads().map((w) => w.uid), []);
});

test('xds: a first response whose every resource is rejected still counts as synced (NACKed, logged), as Istio', async (t) => {
  const onlyBad = mesh(1, { workloads: [pod('bad', '10.71.1.9')] });
  const server = await startServer(onlyBad);
  const { state, discovery } = discoveryTo(t, server.port, () => server.close());
  await until('the response NACKed', () => (server.xds.debug() as any).clients[0]?.types.some((x: any) => x.state === 'nacked'));
  await until('synced', () => discovery.synced());
  assert.deepEqual(state.workloads(), [], 'nothing of it applied');
});
