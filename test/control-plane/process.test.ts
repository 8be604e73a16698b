/**
 * The whole control plane as `ambit controlplane` composes it (in-process): CA and xDS on the TLS port for token
 * holders, xDS on loopback plaintext, tokens created for every Node and waypoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../../src/cli/controlplane.js';
import { nodeTokenPath } from '../../src/control-plane/auth/token-files.js';
import { createCaClient } from '../../src/shared/crypto/ca-client.js';
import { createCsr } from '../../src/shared/crypto/csr.js';
import { generateKeyPair } from '../../src/shared/crypto/keys.js';
import { createDeltaClient, type DeltaResource } from '../../src/shared/xds/delta-client.js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { fixtureDir } from '../model/fixture.js';

const HOST = '127.0.40.4';

async function startProcess(): Promise<{ proc: ControlPlaneProcess; state: string; registry: Registry; close(): Promise<void> }> {
  const config = await mkdtemp(join(tmpdir(), 'ambit-proc-config-'));
  const state = await mkdtemp(join(tmpdir(), 'ambit-proc-state-'));
  await cp(fixtureDir('bookinfo'), config, { recursive: true });
  const registry = new Registry();
  const proc = await startControlPlaneProcess(
    {
      configDir: config, stateDir: state, trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes',
      admin: { host: HOST, port: 0 }, grpcTls: { host: HOST, port: 0 }, plaintextPort: 0, debounceMs: 20,
    },
    silentLogger,
    registry,
  );
  return {
    proc,
    state,
    registry,
    async close() {
      await proc.close();
      await rm(config, { recursive: true, force: true });
      await rm(state, { recursive: true, force: true });
    },
  };
}

async function waitForFile(path: string, ms = 3000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text) return text.trim();
    if (Date.now() > deadline) throw new Error(`${path} not created within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rootsPem(state: string): Promise<string> {
  return readFile(join(state, 'ca', 'root-cert.pem'), 'utf8');
}

test('a node token gets certificates for workloads on that node only; outcomes are counted', async () => {
  const h = await startProcess();
  try {
    const token = await waitForFile(nodeTokenPath(h.state, 'node-a'));
    const ca = createCaClient({ address: `${HOST}:${h.proc.plane.ports().grpcTls}`, rootsPem: await rootsPem(h.state), token, serverName: 'istiod' });
    try {
      const productpage = 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage';
      const chain = await ca.createCertificate(await createCsr(await generateKeyPair(), productpage), { impersonatedIdentity: productpage });
      assert.ok(chain.length >= 2);
      const details = 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-details'; // runs on node-b only
      await assert.rejects(
        ca.createCertificate(await createCsr(await generateKeyPair(), details), { impersonatedIdentity: details }),
        (err: grpc.ServiceError) => err.code === grpc.status.PERMISSION_DENIED,
      );
    } finally {
      ca.close();
    }
    const metrics = await h.registry.metrics();
    assert.match(metrics, /ambit_certificates_issued_total 1/);
    assert.match(metrics, /ambit_certificates_denied_total\{reason="permission-denied"\} 1/);
  } finally {
    await h.close();
  }
});

function collectAddresses(address: string, extra: { tls?: { rootsPem: string[]; servername: string }; token?: string }): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close();
      reject(new Error('no Address resources within 5 s'));
    }, 5000);
    const client = createDeltaClient({
      address,
      ...extra,
      node: { id: 'ztunnel~127.0.0.11~ztunnel-node-a.istio-system~istio-system.svc.cluster.local' },
      typeUrls: [TYPE_URLS.address],
      logger: silentLogger,
      onResources: (_type: string, added: DeltaResource[]) => {
        clearTimeout(timer);
        client.close();
        resolve(added.map((r) => r.name));
        return [];
      },
    });
    client.start();
  });
}

test('xDS serves the mesh over TLS to a node token and over loopback plaintext', async () => {
  const h = await startProcess();
  try {
    const token = await waitForFile(nodeTokenPath(h.state, 'node-a'));
    const ports = h.proc.plane.ports();
    const overTls = await collectAddresses(`${HOST}:${ports.grpcTls}`, { tls: { rootsPem: [await rootsPem(h.state)], servername: 'istiod' }, token });
    assert.ok(overTls.includes('Kubernetes//Pod/bookinfo/productpage-v1'), overTls.join(', '));
    assert.ok(overTls.includes('bookinfo/reviews.bookinfo.svc.cluster.local'));
    const plain = await collectAddresses(`127.0.0.1:${ports.grpcPlaintext}`, {});
    assert.deepEqual([...plain].sort(), [...overTls].sort());
    const debug = (await (await fetch(`http://${HOST}:${ports.admin}/debug/translation`)).json()) as { waypointProblems: Record<string, unknown[]> };
    assert.deepEqual(Object.keys(debug.waypointProblems).sort(), ['bookinfo/reviews-waypoint', 'bookinfo/waypoint']);
  } finally {
    await h.close();
  }
});

test('/debug/xds on the admin port lists a connected client: node id, subscribed type, versions sent and acked', async () => {
  const h = await startProcess();
  const nodeId = 'ztunnel~127.0.0.11~ztunnel-node-a.istio-system~istio-system.svc.cluster.local';
  const client = createDeltaClient({
    address: `127.0.0.1:${h.proc.plane.ports().grpcPlaintext}`,
    node: { id: nodeId },
    typeUrls: [TYPE_URLS.address],
    logger: silentLogger,
    onResources: () => [],
  });
  try {
    client.start();
    type TypeView = { typeUrl: string; subscription: string[]; lastSentVersion: string | null; lastAckedVersion: string | null; lastNack: unknown };
    const deadline = Date.now() + 5000;
    let view: TypeView | undefined;
    while (!view?.lastAckedVersion && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const body = (await (await fetch(`http://${HOST}:${h.proc.plane.ports().admin}/debug/xds`)).json()) as { clients: { nodeId: string; types: TypeView[] }[] };
      view = body.clients.find((c) => c.nodeId === nodeId)?.types.find((t) => t.typeUrl === TYPE_URLS.address);
    }
    assert.ok(view, 'client listed with its subscribed type');
    assert.deepEqual(view.subscription, ['*']);
    assert.ok(view.lastSentVersion);
    assert.equal(view.lastAckedVersion, view.lastSentVersion);
    assert.equal(view.lastNack, null);
  } finally {
    client.close();
    await h.close();
  }
});
