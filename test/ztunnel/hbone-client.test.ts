/** HBONE client pool against a hand-driven HTTP/2 server: a CONNECT that never gets a response is cancelled. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { hboneServerName } from '../../src/shared/constants.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createCertManager } from '../../src/ztunnel/identity/cert-manager.js';
import { createHbonePool } from '../../src/ztunnel/hbone/client-pool.js';
import { createFakeCa } from './support/fake-ca.js';

const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';
const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/server';

test('a CONNECT the peer never answers fails with flag CONNECT after the response timeout and is reset (CANCEL)', async () => {
  const ca = await createFakeCa();
  const serverCert = await ca.fetch(SERVER_ID);
  const resets: number[] = [];
  let answered = 0;
  // Accepts the stream, then stays silent unless the authority says otherwise.
  const server = http2.createSecureServer({ key: serverCert.keyPem, cert: serverCert.chain[0], ca: [ca.rootPem], requestCert: true, ALPNProtocols: ['h2'] });
  server.on('stream', (stream, headers) => {
    stream.on('close', () => resets.push(stream.rstCode));
    stream.on('error', () => undefined);
    if (headers[':authority'] === '10.0.0.9:8080') {
      answered++;
      stream.respond({ ':status': 200 });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const certs = createCertManager({}, { source: ca, logger: silentLogger });
  const pool = createHbonePool({ rootsPem: () => [ca.rootPem], responseTimeoutMs: 300 }, { certs, logger: silentLogger });
  const request = (authority: string) => ({
    sourceIdentity: CLIENT_ID, sourceIp: '', dialIp: '127.0.0.1', dialPort: (server.address() as AddressInfo).port,
    serverName: hboneServerName('10.0.0.8'), expectedIdentities: [SERVER_ID], authority, headers: {},
  });
  try {
    const started = Date.now();
    const silent = await pool.connect(request('10.0.0.8:8080'));
    const waited = Date.now() - started;
    assert.equal(silent.ok, false);
    assert.ok(!silent.ok && silent.flag === 'CONNECT', JSON.stringify(silent));
    assert.match(!silent.ok ? silent.message : '', /no response within 300 ms/);
    assert.ok(waited >= 250 && waited < 5000, `gave up after ${waited} ms`);
    for (let i = 0; i < 50 && resets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(resets, [http2.constants.NGHTTP2_CANCEL], 'the server saw the stream cancelled');
    // The pooled connection is still good for the next CONNECT.
    const ok = await pool.connect(request('10.0.0.9:8080'));
    assert.equal(ok.ok, true);
    assert.equal(answered, 1);
    if (ok.ok) ok.stream.close();
  } finally {
    pool.close();
    certs.close();
    await new Promise((r) => server.close(r));
    await ca.close();
  }
});

test('a refused TCP connect to the peer is flagged CONNECT, not TLS_FAILURE', async () => {
  const ca = await createFakeCa();
  const certs = createCertManager({}, { source: ca, logger: silentLogger });
  const pool = createHbonePool({ rootsPem: () => [ca.rootPem] }, { certs, logger: silentLogger });
  // A port that was just free: nothing listens there.
  const probe = http2.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  try {
    const res = await pool.connect({
      sourceIdentity: CLIENT_ID, sourceIp: '', dialIp: '127.0.0.1', dialPort: port, serverName: hboneServerName('10.0.0.8'),
      expectedIdentities: [SERVER_ID], authority: '10.0.0.8:8080', headers: {},
    });
    assert.ok(!res.ok && res.flag === 'CONNECT', JSON.stringify(res));
    assert.match(!res.ok ? res.message : '', /ECONNREFUSED/);
  } finally {
    pool.close();
    certs.close();
    await ca.close();
  }
});
