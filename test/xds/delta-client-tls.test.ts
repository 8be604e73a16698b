import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { createDeltaClient } from '../../src/shared/xds/delta-client.js';
import { createXdsServer } from '../../src/control-plane/xds/server.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { HOST } from './harness.js';
import { mesh, pod } from './mesh-factory.js';

function selfSigned(dir: string): { key: string; cert: string } {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=istiod', '-addext', 'subjectAltName=DNS:istiod.istio-system.svc',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

test('delta client over TLS with servername override and bearer token; server close ends the stream', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ambit-xds-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { key, cert } = selfSigned(dir);
  const seenTokens: string[] = [];
  const xds = createXdsServer({
    generators: [createAddressGenerator()],
    authenticate: (md) => {
      const auth = String(md.get('authorization')[0] ?? '');
      seenTokens.push(auth);
      return auth === 'Bearer node-a-token' ? { kind: 'node', node: 'node-a' } : { error: 'unknown token' };
    },
    debounceMs: 0,
    registry: new Registry(),
    logger: silentLogger,
  });
  const server = new grpc.Server();
  xds.register(server);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(key), cert_chain: Buffer.from(cert) }]), (e, p) => (e ? rej(e) : res(p))),
  );
  t.after(() => server.forceShutdown());
  xds.update(mesh(1, { workloads: [pod('a', '10.1.0.1')] }));
  const received: string[] = [];
  const connections: boolean[] = [];
  const client = createDeltaClient({
    address: `${HOST}:${port}`,
    tls: { rootsPem: [cert], servername: 'istiod.istio-system.svc' },
    token: 'node-a-token',
    node: { id: 'ztunnel~127.0.42.11~z.istio-system~istio-system.svc.cluster.local' },
    typeUrls: [TYPE_URLS.address],
    onResources: (_t, added) => (received.push(...added.map((r) => r.name)), []),
    onConnectionChange: (c) => connections.push(c),
    logger: silentLogger,
    backoffMs: 60_000,
  });
  t.after(() => client.close());
  client.start();
  for (let i = 0; i < 300 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(received, ['Kubernetes//Pod/default/a']);
  assert.deepEqual(seenTokens, ['Bearer node-a-token']);
  assert.equal((xds.debug() as any).clients[0].caller.node, 'node-a');
  xds.close();
  for (let i = 0; i < 300 && connections.at(-1) !== false; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(connections, [true, false], 'server close ends the stream; the client notices');
});
