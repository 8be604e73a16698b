/**
 * Pooled reads: a bulk TCP source is switched to reading into recycled buffers (no fresh ArrayBuffer per read). The
 * switch relies on Node 20 internals, so the first test fails loudly if it stops engaging rather than letting the
 * relay silently fall back to the slower path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { createChunkPool } from '../../src/ztunnel/proxy/chunk-pool.js';
import { readIntoPool } from '../../src/ztunnel/proxy/pooled-reads.js';
import { createRelayBudget, relay, socketEnd } from '../../src/ztunnel/proxy/relay.js';

const HOST = '127.0.10.201';

/** An accepted socket (created by Node's server, as the SOCKS5 and inbound listeners get them) and its client. */
async function acceptedPair(): Promise<{ accepted: net.Socket; client: net.Socket; close(): Promise<void> }> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const acceptedP = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, HOST);
  const accepted = await acceptedP;
  await new Promise((r) => (client.connecting ? client.once('connect', r) : r(undefined)));
  return {
    accepted,
    client,
    close: async () => {
      client.destroy();
      accepted.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test('an accepted socket switches to pooled reads: bytes in order, buffers from the pool, pause/resume, end', async () => {
  const { accepted, client, close } = await acceptedPair();
  const pool = createChunkPool({ keepIdle: 64 });
  const poolBuffers = new Set<ArrayBufferLike>();
  const got: Buffer[] = [];
  let deliveredWhilePaused = 0;
  let paused = false;
  // Bytes sent before the switch sit in Node's read buffer and must come out first.
  client.write('head:');
  await new Promise((r) => setTimeout(r, 50));
  accepted.resume();
  accepted.pause();
  const engaged = readIntoPool(accepted, pool, (chunk, release) => {
    if (paused) deliveredWhilePaused++;
    got.push(Buffer.from(chunk));
    poolBuffers.add(chunk.buffer);
    release();
  });
  assert.equal(engaged, true, 'pooled reads must engage on this Node version (see pooled-reads.ts)');
  accepted.resume();
  const body = randomBytes(3 * 1024 * 1024);
  const ended = new Promise<void>((r) => accepted.once('end', r));
  client.write(body.subarray(0, body.length / 2));
  await new Promise((r) => setTimeout(r, 100));
  accepted.pause();
  paused = true;
  await new Promise((r) => setTimeout(r, 50)); // a read already queued may still land right after pause
  const before = got.length;
  client.write(body.subarray(body.length / 2));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(got.length, before, 'no reads while paused');
  paused = false;
  accepted.resume();
  client.end();
  await ended;
  const all = Buffer.concat(got);
  assert.equal(all.subarray(0, 5).toString(), 'head:');
  assert.equal(createHash('sha256').update(all.subarray(5)).digest('hex'), createHash('sha256').update(body).digest('hex'));
  assert.ok(deliveredWhilePaused <= 1);
  // Released buffers are reused: far fewer distinct buffers than reads.
  assert.ok(got.length > 20, `expected many reads, got ${got.length}`);
  assert.ok(poolBuffers.size < got.length / 4, `${poolBuffers.size} distinct buffers for ${got.length} reads`);
  const closed = new Promise((r) => accepted.once('close', r));
  await close();
  await closed;
  assert.ok(pool.idle() > 0, 'the read buffer goes back to the pool when the socket closes');
});

test('the pool caps idle buffers and frees them after a quiet period', async () => {
  const pool = createChunkPool({ bufferBytes: 1024, keepIdle: 2, trimAfterMs: 50 });
  const bufs = [pool.acquire(), pool.acquire(), pool.acquire()];
  for (const b of bufs) pool.release(b);
  assert.equal(pool.idle(), 2);
  assert.equal(pool.acquire(), bufs[1], 'reuses the most recently released buffer');
  pool.release(Buffer.alloc(10)); // not one of ours
  assert.equal(pool.idle(), 1);
  await new Promise((r) => setTimeout(r, 180));
  assert.equal(pool.idle(), 0);
});

test('the relay moves a bulk TCP source to pooled reads and stays byte-exact', async () => {
  const { accepted, client, close } = await acceptedPair();
  const sink = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => sink.listen(0, HOST, r));
  const received = new Promise<Buffer>((resolve) => {
    sink.once('connection', (s) => {
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () => {
        resolve(Buffer.concat(parts));
        s.end();
      });
    });
  });
  const upstream = net.connect((sink.address() as net.AddressInfo).port, HOST);
  await new Promise((r) => upstream.once('connect', r));
  const budget = createRelayBudget();
  const done = relay(socketEnd(accepted), socketEnd(upstream), undefined, budget);
  const body = randomBytes(8 * 1024 * 1024);
  client.end(body);
  const got = await received;
  assert.equal(got.length, body.length);
  assert.ok(got.equals(body));
  client.destroy();
  const outcome = await done;
  assert.equal(outcome.aToB, body.length);
  assert.ok(budget.pool.idle() > 0, 'the bulk source read into pooled buffers');
  await close();
  await new Promise((r) => sink.close(r));
});
