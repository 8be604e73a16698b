/**
 * The relay's one deliberate exception to reset propagation: an HTTP/2 peer that sends bytes and then resets the
 * stream (what Envoy does to every CONNECT tunnel whose upstream finished) must not cost the application those bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { h2End, relay, socketEnd } from '../../src/ztunnel/proxy/relay.js';

const PAYLOAD = 256 * 1024;

async function scenario(sendBytes: number): Promise<{ received: number; outcome: string }> {
  const h2server = http2.createServer();
  h2server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    // RST_STREAM without END_STREAM, as Envoy ends a CONNECT tunnel (stream.close(code) would send END_STREAM first).
    stream.on('error', () => undefined);
    stream.write(Buffer.alloc(sendBytes, 120), () => stream.destroy(new Error('upstream finished')));
  });
  await new Promise<void>((r) => h2server.listen(0, '127.0.10.200', r));
  const session = http2.connect(`http://127.0.10.200:${(h2server.address() as net.AddressInfo).port}`);
  const tcp = net.createServer();
  await new Promise<void>((r) => tcp.listen(0, '127.0.10.200', r));
  tcp.once('connection', (app) => {
    const stream = session.request({ ':method': 'POST', ':path': '/' });
    stream.on('error', () => undefined);
    void relay(socketEnd(app), h2End(stream));
  });
  const client = net.connect((tcp.address() as net.AddressInfo).port, '127.0.10.200');
  const result = await new Promise<{ received: number; outcome: string }>((resolve) => {
    let received = 0;
    client.on('data', (d: Buffer) => (received += d.length));
    client.once('error', (e: NodeJS.ErrnoException) => resolve({ received, outcome: String(e.code) }));
    client.once('end', () => resolve({ received, outcome: 'end' }));
  });
  client.destroy();
  session.close();
  await new Promise((r) => tcp.close(r));
  await new Promise((r) => h2server.close(r));
  return result;
}

test('a peer reset right after data delivers every byte, then resets the TCP side', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await scenario(PAYLOAD);
    assert.deepEqual(r, { received: PAYLOAD, outcome: 'ECONNRESET' });
  }
});
