/**
 * Direct reads from HTTP/2 streams and TCP sockets (direct-reads.ts) bypass the stream's Readable machinery through
 * Node 20 internals, so the first test of each kind fails loudly if they stop engaging; the others hold the properties
 * the relay needs: byte order, pause/resume holding the peer back (flow control / TCP window), end of stream, reset,
 * and handing a socket back to Node for pooled reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createChunkPool } from '../../src/ztunnel/proxy/chunk-pool.js';
import { readIntoPool } from '../../src/ztunnel/proxy/pooled-reads.js';
import { readH2Direct, readSocketDirect } from '../../src/ztunnel/proxy/direct-reads.js';

const HOST = '127.0.10.202';

/** An h2c server that answers every request with `respond(stream)`, and a client stream to it. */
async function h2Pair(respond: (stream: http2.ServerHttp2Stream) => void): Promise<{ req: http2.ClientHttp2Stream; close(): Promise<void> }> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    respond(stream);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const client = http2.connect(`http://${HOST}:${(server.address() as AddressInfo).port}`);
  const req = client.request({ ':path': '/' });
  await new Promise((r) => req.once('response', r));
  return {
    req,
    close: async () => {
      client.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Reads `stream` through `engage`, pauses it once 1 MiB has arrived, runs `whilePaused` 300 ms later with the bytes
 * that arrived since the pause, then resumes it to the end; returns everything received, in order.
 */
async function readWithPause(
  stream: NodeJS.ReadableStream & NodeJS.EventEmitter,
  engage: (sink: (chunk: Uint8Array) => void) => void,
  whilePaused: (bytesSincePause: number) => void,
): Promise<Buffer> {
  const got: Buffer[] = [];
  let received = 0;
  let pausedAt = -1;
  engage((chunk) => {
    got.push(Buffer.from(chunk));
    received += chunk.length;
    if (pausedAt < 0 && received >= 1024 * 1024) {
      pausedAt = received;
      stream.pause();
    }
  });
  stream.resume();
  while (pausedAt < 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 300));
  whilePaused(received - pausedAt);
  const ended = new Promise<void>((r) => stream.once('end', r));
  stream.resume();
  await ended;
  return Buffer.concat(got);
}

test('direct reads engage and deliver every byte in order, then end', async () => {
  const body = randomBytes(4 * 1024 * 1024 + 123);
  const { req, close } = await h2Pair((s) => s.end(body));
  const got: Buffer[] = [];
  let viaData = 0;
  req.on('data', (d: Buffer) => (viaData += d.length));
  const engaged = readH2Direct(req, (chunk) => got.push(Buffer.from(chunk)));
  assert.equal(engaged, true, 'direct HTTP/2 reads must engage on this Node version (see direct-reads.ts)');
  await new Promise<void>((r) => req.once('end', r));
  const all = Buffer.concat(got);
  assert.equal(all.length + viaData, body.length);
  assert.equal(viaData, 0, "no 'data' events once direct reads are on");
  assert.equal(sha(all), sha(body));
  await close();
});

test('a paused stream stops taking data within the flow-control window, and resumes to the last byte', async () => {
  const body = randomBytes(8 * 1024 * 1024);
  let serverDone = false;
  const { req, close } = await h2Pair((s) => s.end(body, () => (serverDone = true)));
  const all = await readWithPause(req, (sink) => readH2Direct(req, sink), (whilePaused) => {
    // While paused, Node still hands over what it has already decoded, but stops acknowledging it, so the server is
    // held to one stream window (Node's default 64 KiB) plus what was in flight.
    assert.ok(whilePaused <= 256 * 1024, `received ${whilePaused} bytes while paused`);
    assert.equal(serverDone, false, 'the server must be held back by flow control');
  });
  assert.equal(sha(all), sha(body));
  await close();
});

test('a reset stream still reports its error and closes', async () => {
  const { req, close } = await h2Pair((s) => {
    s.on('error', () => undefined);
    s.write(randomBytes(100_000));
    // destroy(err) resets at once; close(code) with writes pending would end the stream gracefully first.
    setTimeout(() => s.destroy(new Error('server gives up')), 50);
  });
  let received = 0;
  readH2Direct(req, (chunk) => (received += chunk.length));
  req.resume();
  let error: Error | undefined;
  req.once('error', (e: Error) => (error = e));
  await new Promise((r) => req.once('close', r));
  assert.equal(received, 100_000);
  assert.equal(req.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
  assert.match(String(error), /NGHTTP2_INTERNAL_ERROR/);
  await close();
});

/** A TCP server that runs `serve` on its one accepted socket, and the client socket, connected. */
async function tcpPair(serve: (s: net.Socket) => void): Promise<{ client: net.Socket; close(): Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    serve(s);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const client = net.connect({ host: HOST, port: (server.address() as AddressInfo).port });
  await new Promise((r) => client.once('connect', r));
  return {
    client,
    close: async () => {
      client.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test('socket direct reads engage and deliver every byte in order, then end', async () => {
  const body = randomBytes(3 * 1024 * 1024 + 7);
  const { client, close } = await tcpPair((s) => s.end(body));
  const got: Buffer[] = [];
  let viaData = 0;
  client.on('data', (d: Buffer) => (viaData += d.length));
  const stop = readSocketDirect(client, (chunk) => got.push(Buffer.from(chunk)));
  assert.equal(typeof stop, 'function', 'direct socket reads must engage on this Node version (see direct-reads.ts)');
  await new Promise<void>((r) => client.once('end', r));
  assert.equal(viaData, 0, "no 'data' events once direct reads are on");
  assert.equal(sha(Buffer.concat(got)), sha(body));
  await close();
});

test('a paused socket leaves data in the kernel, holding the sender back, and resumes to the last byte', async () => {
  const body = randomBytes(32 * 1024 * 1024);
  let serverDone = false;
  const { client, close } = await tcpPair((s) => s.end(body, () => (serverDone = true)));
  const all = await readWithPause(client, (sink) => readSocketDirect(client, sink), (whilePaused) => {
    assert.equal(whilePaused, 0, 'nothing is read while paused');
    assert.equal(serverDone, false, 'the sender must be held back by the TCP window');
  });
  assert.equal(sha(all), sha(body));
  await close();
});

test('a socket handed back from direct reads switches to pooled reads without losing a byte', async () => {
  const body = randomBytes(2 * 1024 * 1024 + 5);
  const { client, close } = await tcpPair((s) => s.end(body));
  const got: Buffer[] = [];
  const pool = createChunkPool();
  let stop: (() => void) | undefined;
  let pooled = false;
  stop = readSocketDirect(client, (chunk) => {
    got.push(Buffer.from(chunk));
    if (!pooled && stop) {
      stop();
      pooled = readIntoPool(client, pool, (c, release) => {
        got.push(Buffer.from(c));
        release();
      });
    }
  });
  client.resume();
  await new Promise<void>((r) => client.once('end', r));
  assert.equal(pooled, true);
  assert.equal(sha(Buffer.concat(got)), sha(body));
  await close();
});
