/**
 * 1,000 concurrent connections, each carrying 1 MiB through SOCKS5 → HBONE → destination, arrive byte-exact: the
 * destination hashes what it receives and sends the digest back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { socksConnect, startNode, workload, type TestNode } from './support/mesh.js';

const NODE_A = '127.0.16.11';
const NODE_B = '127.0.16.12';
const CLIENT = '127.0.17.1';
const SINK = '127.0.17.2';
const CONNECTIONS = 1000;
const PAYLOAD = 1024 * 1024;

let ca: FakeCa;
let a: TestNode;
let b: TestNode;
let sink: net.Server;

before(async () => {
  ca = await createFakeCa();
  const nodes = new Map([['la', NODE_A], ['lb', NODE_B]]);
  a = await startNode('la', NODE_A, ca, nodes, silentLogger);
  b = await startNode('lb', NODE_B, ca, nodes, silentLogger);
  for (const n of [a, b]) {
    n.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT, node: 'la' }));
    n.zt.state.upsertWorkload(workload({ name: 'sink', ip: SINK, node: 'lb' }));
  }
  sink = net.createServer({ allowHalfOpen: true }, (s) => {
    const h = createHash('sha256');
    s.on('data', (d: Buffer) => h.update(d));
    s.on('end', () => s.end(h.digest()));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => sink.listen(9000, SINK, 2048, r));
});

after(async () => {
  await Promise.all([a?.zt.close(), b?.zt.close()]);
  await new Promise((r) => sink?.close(r));
  await ca?.close();
});

test(`${CONNECTIONS} concurrent connections × 1 MiB arrive byte-exact`, { timeout: 240_000 }, async () => {
  const body = randomBytes(PAYLOAD);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < CONNECTIONS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, CONNECTIONS - i) }, () => socksConnect({ host: NODE_A, port: a.ports.socks5.port }, { ip: SINK, port: 9000 }, CLIENT)),
    );
    for (const r of batch) {
      assert.equal(r.reply, 0);
      sockets.push(r.socket);
    }
  }
  assert.equal(sockets.length, CONNECTIONS, 'all connections open at once');
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const results = await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<boolean>((resolve, reject) => {
          const prefix = Buffer.alloc(8);
          prefix.writeUInt32BE(i);
          const expected = createHash('sha256').update(prefix).update(body).digest();
          const chunks: Buffer[] = [];
          s.on('data', (d: Buffer) => chunks.push(d));
          s.once('end', () => resolve(Buffer.concat(chunks).equals(expected)));
          s.once('error', reject);
          s.resume();
          s.write(prefix);
          s.end(body);
        }),
    ),
  );
  clearInterval(sampler);
  assert.equal(results.filter((ok) => ok).length, CONNECTIONS);
  // 1,000 streams share ⌈1000/100⌉ pooled HTTP/2 connections.
  assert.equal(a.zt.pool.snapshot().length, 10);
  // Everything (client, two ztunnels, sink) runs in this process; memory growth stays well under the 2 GiB moved.
  assert.ok(peakRss - rssBefore < 600 * 1024 * 1024, `RSS grew ${(peakRss - rssBefore) >> 20} MiB`);
  console.log(`RSS growth during the transfer: ${(peakRss - rssBefore) >> 20} MiB`);
});
