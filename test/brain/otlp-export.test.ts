/**
 * `ambit brain --otlp-endpoint` exports authz decision spans over OTLP/gRPC: a real brain process, a Check over gRPC,
 * and a minimal collector that accepts the OTLP TraceService/Export call (plain HTTP/2 gRPC framing) and keeps the
 * protobuf bodies. The span name and attribute strings travel as plain protobuf strings, so they are found in the
 * body without a schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { authClient, checkRequest } from './support/check-client.js';

const BIN = fileURLToPath(new URL('../../../bin/ambit.js', import.meta.url));
const ADDRESS = '127.0.39.21';
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

test('ambit brain exports an OTLP span for each authz decision', async () => {
  const bodies: Buffer[] = [];
  const collector = http2.createServer();
  collector.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] === EXPORT_PATH) bodies.push(Buffer.concat(chunks));
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0])); // empty ExportTraceServiceResponse
    });
  });
  await new Promise<void>((r) => collector.listen(0, ADDRESS, r));
  const endpoint = `http://${ADDRESS}:${(collector.address() as AddressInfo).port}`;
  const brain = spawn(process.execPath, [BIN, 'brain', '--waypoint', 'shop/waypoint', '--address', ADDRESS, '--otlp-endpoint', endpoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  brain.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = authClient(`${ADDRESS}:15031`);
  try {
    let reply;
    for (let i = 0; i < 100 && !reply; i++) {
      reply = await client.check(checkRequest({ method: 'GET', path: '/traced' })).catch(() => undefined);
      if (!reply) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(reply, `brain answered Check: ${stderr.slice(-2000)}`);
    // No policies were ever delivered (no control plane): the brain fails closed, and says so in the span.
    assert.notEqual(reply.status, 200);
    for (let i = 0; i < 200 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const all = Buffer.concat(bodies).toString('latin1');
    assert.ok(all.includes('ambit.authz.check'), 'span name exported');
    assert.ok(all.includes('ambit.authz.decision') && all.includes('deny'), 'decision attribute exported');
    assert.ok(all.includes('ambit-brain'), 'service.name resource attribute exported');
  } finally {
    client.close();
    brain.kill('SIGTERM');
    await new Promise((r) => brain.once('exit', r));
    await new Promise((r) => collector.close(r));
  }
});
