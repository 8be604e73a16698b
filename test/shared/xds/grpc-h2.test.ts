/** The node:http2 gRPC client against a real grpc-js server: messages, statuses, deadlines, limits, streams. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createGrpcChannel, GRPC_STATUS, GrpcCallError, type GrpcMethod } from '../../../src/shared/xds/grpc-h2.js';

const HOST = '127.0.46.1';
const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const SERVICE: grpc.ServiceDefinition = {
  Echo: { path: '/t.T/Echo', requestStream: false, responseStream: false, ...raw },
  Chat: { path: '/t.T/Chat', requestStream: true, responseStream: true, ...raw },
} as unknown as grpc.ServiceDefinition;
const text = (path: string): GrpcMethod<string, string> => ({ path, serialize: (s) => Buffer.from(s), deserialize: (b) => b.toString() });

async function startServer(t: { after(fn: () => Promise<void> | void): void }, seen: grpc.Metadata[] = [], hosts: string[] = []): Promise<string> {
  const server = new grpc.Server();
  server.addService(SERVICE, {
    Echo(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      seen.push(call.metadata);
      hosts.push(call.getHost());
      const req = call.request.toString();
      if (req === 'fail') return cb({ code: grpc.status.PERMISSION_DENIED, details: 'nope: café 100%' }, null);
      if (req === 'hang') return;
      if (req === 'big') return cb(null, Buffer.alloc(64 * 1024, 1));
      cb(null, Buffer.from(`echo ${req}`));
    },
    Chat(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      call.on('data', (b: Buffer) => (b.toString() === 'bye' ? call.end() : call.write(Buffer.from(`re ${b.toString()}`))));
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  t.after(() => new Promise<void>((r) => server.tryShutdown(() => r())));
  return `${HOST}:${port}`;
}

test('unary: response message, metadata and :authority reach the server', async (t) => {
  const seen: grpc.Metadata[] = [];
  const hosts: string[] = [];
  const address = await startServer(t, seen, hosts);
  const ch = createGrpcChannel({ address, authority: 'istiod' });
  t.after(() => ch.close());
  assert.equal(await ch.unary(text('/t.T/Echo'), 'hi', { metadata: { authorization: 'Bearer tok' }, deadline: Date.now() + 5000 }), 'echo hi');
  assert.equal(await ch.unary(text('/t.T/Echo'), 'again'), 'echo again', 'the session is reused');
  assert.deepEqual(seen[0]!.get('authorization'), ['Bearer tok']);
  assert.deepEqual(hosts, ['istiod', 'istiod']);
});

test('unary: a non-OK status rejects with its code and decoded message', async (t) => {
  const ch = createGrpcChannel({ address: await startServer(t) });
  t.after(() => ch.close());
  await assert.rejects(ch.unary(text('/t.T/Echo'), 'fail'), (err: GrpcCallError) => {
    assert.ok(err instanceof GrpcCallError);
    assert.equal(err.code, GRPC_STATUS.PERMISSION_DENIED);
    assert.equal(err.details, 'nope: café 100%');
    assert.match(err.message, /^7 PERMISSION_DENIED: nope/);
    return true;
  });
  await assert.rejects(ch.unary(text('/t.T/Missing'), 'x'), (err: GrpcCallError) => err.code === GRPC_STATUS.UNIMPLEMENTED);
});

test('deadline, message size limit and an unreachable server map to gRPC codes', async (t) => {
  const address = await startServer(t);
  const ch = createGrpcChannel({ address, maxReceiveMessageBytes: 1024 });
  t.after(() => ch.close());
  await assert.rejects(ch.unary(text('/t.T/Echo'), 'hang', { deadline: Date.now() + 200 }), (err: GrpcCallError) => err.code === GRPC_STATUS.DEADLINE_EXCEEDED);
  await assert.rejects(ch.unary(text('/t.T/Echo'), 'big'), (err: GrpcCallError) => err.code === GRPC_STATUS.RESOURCE_EXHAUSTED && /65536 bytes exceeds the 1024-byte limit/.test(err.details));
  assert.equal(await ch.unary(text('/t.T/Echo'), 'ok'), 'echo ok', 'the channel still works after failed calls');
  const dead = createGrpcChannel({ address: `${HOST}:1` });
  t.after(() => dead.close());
  await assert.rejects(dead.unary(text('/t.T/Echo'), 'x', { deadline: Date.now() + 5000 }), (err: GrpcCallError) => err.code === GRPC_STATUS.UNAVAILABLE);
});

test('bidi stream: messages both ways, OK end; cancel reports CANCELLED once', async (t) => {
  const ch = createGrpcChannel({ address: await startServer(t) });
  t.after(() => ch.close());
  const call = ch.call(text('/t.T/Chat'));
  const got: string[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    call.on('data', (m) => {
      got.push(m);
      if (got.length === 2) call.write('bye');
    });
    call.on('end', resolve);
    call.on('error', reject);
  });
  call.write('a');
  call.write('b');
  await ended;
  assert.deepEqual(got, ['re a', 're b']);
  const second = ch.call(text('/t.T/Chat'));
  const errors: GrpcCallError[] = [];
  second.on('error', (e) => errors.push(e));
  second.write('x');
  await new Promise((r) => second.once('data', r));
  second.cancel();
  second.cancel();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(errors.map((e) => e.code), [GRPC_STATUS.CANCELLED]);
});

test('an idle channel closes its connection after idleTimeoutMs and reconnects for the next call', async (t) => {
  const address = await startServer(t);
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const before = sockets();
  const ch = createGrpcChannel({ address, idleTimeoutMs: 150 });
  t.after(() => ch.close());
  assert.equal(await ch.unary(text('/t.T/Echo'), 'one'), 'echo one');
  assert.ok(sockets() > before, 'connected');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(sockets(), before, 'the idle connection was closed (both ends)');
  assert.equal(await ch.unary(text('/t.T/Echo'), 'two'), 'echo two');
});

test('a server that goes silent without closing fails the open call through keepalive, and the next call reconnects', async (t) => {
  const upstream = await startServer(t);
  const [upHost, upPort] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  // A relay in front of the server that can black-hole the connections it holds: bytes stop flowing both ways, but
  // neither side sees a FIN or RST, as when the server's node disappears.
  let silent = false;
  const held: net.Socket[] = [];
  const relay = net.createServer((down) => {
    const up = net.connect({ host: upHost, port: upPort });
    held.push(down, up);
    down.on('data', (d: Buffer) => (silent ? undefined : up.write(d)));
    up.on('data', (d: Buffer) => (silent ? undefined : down.write(d)));
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, HOST, r));
  // Before the server's own t.after (they run in order): its graceful shutdown waits for the relayed session.
  const cut = (): void => held.forEach((s) => s.destroy());
  t.after(() => new Promise<void>((r) => relay.close(() => r())));
  const ch = createGrpcChannel({ address: `${HOST}:${(relay.address() as net.AddressInfo).port}`, keepaliveIntervalMs: 100, keepaliveTimeoutMs: 200 });
  t.after(() => ch.close());

  const call = ch.call(text('/t.T/Chat'));
  const failed = new Promise<GrpcCallError>((resolve, reject) => {
    call.on('error', resolve);
    call.on('end', () => reject(new Error('the call ended OK')));
  });
  const first = new Promise<string>((r) => call.once('data', r));
  call.write('hello');
  assert.equal(await first, 're hello');
  await new Promise((r) => setTimeout(r, 400)); // several keepalive rounds on a healthy connection change nothing
  silent = true;
  const startedAt = Date.now();
  const err = await Promise.race([failed, new Promise<never>((_, reject) => setTimeout(() => (cut(), reject(new Error('the call still waits 3 s after the server went silent'))), 3000))]);
  assert.equal(err.code, GRPC_STATUS.UNAVAILABLE);
  assert.match(err.details, /keepalive: no PING ack within 200 ms/);
  assert.ok(Date.now() - startedAt < 2000, `noticed after ${Date.now() - startedAt} ms`);

  silent = false; // new connections through the relay work again; the dead session must not be reused
  assert.equal(await ch.unary(text('/t.T/Echo'), 'back', { deadline: Date.now() + 2000 }), 'echo back');
  ch.close();
  cut();
});

test('keepalive pings only while a call is open (istiod treats PINGs on a connection without calls as abuse)', async (t) => {
  const server = http2.createServer();
  let pings = 0;
  server.on('session', (s) => s.on('ping', () => pings++));
  server.on('stream', (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc' })); // never ends
  await new Promise<void>((r) => server.listen(0, HOST, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const ch = createGrpcChannel({ address: `${HOST}:${(server.address() as net.AddressInfo).port}`, keepaliveIntervalMs: 50, keepaliveTimeoutMs: 1000, idleTimeoutMs: 60_000 });
  t.after(() => ch.close());
  const call = ch.call(text('/t.T/Chat'));
  call.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(pings >= 3, `${pings} pings while the call was open`);
  call.cancel();
  await new Promise((r) => setTimeout(r, 100));
  const afterCall = pings;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(pings, afterCall, 'no pings on the idle connection');
});
