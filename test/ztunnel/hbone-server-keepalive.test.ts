/**
 * The HBONE server PINGs its sessions (as Istio's ztunnel: every 10 s, dropped without an ack in 20 s; shortened
 * here): a client that vanishes without FIN or RST no longer holds the inbound connection, its upstream socket and
 * its metrics forever, while a live client is left alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createCertManager, type CertManager } from '../../src/ztunnel/identity/cert-manager.js';
import { createFakeCa, type FakeCa } from './support/fake-ca.js';
import { echoServer, metricValue, workload } from './support/mesh.js';
import { clientTls, connectStream, echoOnce, eventually, h2Session, startHboneServer, type StandaloneHboneServer } from './hbone-server-support.js';

const NODE = 'node-ka';
const SERVER_ADDR = '127.0.82.1';
const SRV_IP = '127.0.82.2';
const RELAY_ADDR = '127.0.82.3';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/client';
const INTERVAL_MS = 200;
const TIMEOUT_MS = 400;

/**
 * A TCP relay to `target` that can freeze: it then drops what either side sends and closes nothing, as a peer that
 * vanished (or a black-holing middlebox) looks to the server.
 */
async function freezableRelay(target: { address: string; port: number }): Promise<{ port: number; freeze(): void; serverSideClosed(): boolean; close(): Promise<void> }> {
  let frozen = false;
  let upstreamClosed = false;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((down) => {
    const up = net.connect(target.port, target.address);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    down.on('data', (d: Buffer) => void (frozen || up.write(d)));
    up.on('data', (d: Buffer) => void (frozen || down.write(d)));
    down.on('close', () => (frozen ? undefined : up.destroy()));
    up.on('close', () => {
      upstreamClosed = true;
      if (!frozen) down.destroy();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, RELAY_ADDR, resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    freeze: () => void (frozen = true),
    serverSideClosed: () => upstreamClosed,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        relay.close(() => resolve());
      }),
  };
}

describe('HBONE server keepalive', () => {
  let ca: FakeCa;
  let certs: CertManager;
  let hbone: StandaloneHboneServer;
  let echo: Awaited<ReturnType<typeof echoServer>>;

  before(async () => {
    ca = await createFakeCa();
    certs = createCertManager({}, { source: ca, logger: silentLogger });
    hbone = await startHboneServer({ nodeName: NODE, listenAddress: SERVER_ADDR, ca, certs, config: { keepaliveIntervalMs: INTERVAL_MS, keepaliveTimeoutMs: TIMEOUT_MS } });
    hbone.state.upsertWorkload(workload({ name: 'srv', ip: SRV_IP, node: NODE }));
    echo = await echoServer(SRV_IP, 8080);
  });
  after(async () => {
    await Promise.all([hbone?.close(), echo?.close()]);
    certs?.close();
    await ca?.close();
  });

  it('keeps a live client, and drops the session, inbound connection and upstream of one that vanished', async () => {
    const relay = await freezableRelay(hbone.address);
    const opts = { ...(await clientTls(ca, CLIENT_ID, SRV_IP, hbone.address)), host: RELAY_ADDR, port: relay.port };
    const session = await h2Session(() => tls.connect(opts));
    session.on('error', () => undefined);
    const upstreams = (): Promise<number> => new Promise((resolve) => echo.server.getConnections((_e, n) => resolve(n)));
    try {
      const { status, stream } = await connectStream(session, `${SRV_IP}:8080`);
      stream.on('error', () => undefined);
      assert.equal(status, 200);
      assert.equal(await echoOnce(stream, 'hello'), 'hello');

      // Several keepalive periods with a client that answers PINGs: nothing is dropped.
      await new Promise((r) => setTimeout(r, 4 * (INTERVAL_MS + TIMEOUT_MS)));
      assert.equal(await echoOnce(stream, 'still here'), 'still here');
      assert.equal(hbone.connections.size(), 1);

      relay.freeze();
      assert.ok(await eventually(relay.serverSideClosed, 5 * (INTERVAL_MS + TIMEOUT_MS)), 'the server closed its side of the frozen session');
      assert.ok(await eventually(() => hbone.connections.size() === 0, 2000), 'the inbound connection is gone');
      for (const deadline = Date.now() + 2000; (await upstreams()) > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await upstreams(), 0, 'the upstream socket to the workload is closed');
      assert.equal(await metricValue(hbone.registry, 'istio_tcp_connections_closed_total', { reporter: 'destination' }), 1, 'and reported closed');
    } finally {
      session.destroy();
      await relay.close();
    }
  });
});
