/**
 * Helpers for tests that drive the HBONE server on its own (no full ztunnel): the server with its dependencies built
 * here so a test can swap the cert manager or tune keepalive, and a raw mTLS HTTP/2 client speaking CONNECT.
 */
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { hboneServerName } from '../../src/shared/constants.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createHboneServer, type HboneServer, type HboneServerConfig } from '../../src/ztunnel/hbone/server.js';
import type { CertManager } from '../../src/ztunnel/identity/cert-manager.js';
import { createConnectionManager, type ConnectionManager } from '../../src/ztunnel/inbound/connection-manager.js';
import { Registry, createZtunnelMetrics } from '../../src/ztunnel/metrics.js';
import { createRelayBudget } from '../../src/ztunnel/proxy/relay.js';
import { createStateStore, type StateStore } from '../../src/ztunnel/state/store.js';
import type { FakeCa } from './support/fake-ca.js';

export interface StandaloneHboneServer {
  readonly server: HboneServer;
  readonly address: AddressInfo;
  readonly state: StateStore;
  readonly connections: ConnectionManager;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** An HBONE server for node `nodeName` on `listenAddress` (free port), with `certs` serving its workloads. */
export async function startHboneServer(o: {
  nodeName: string;
  listenAddress: string;
  ca: FakeCa;
  certs: CertManager;
  config?: Partial<HboneServerConfig>;
}): Promise<StandaloneHboneServer> {
  const state = createStateStore({ nodeName: o.nodeName });
  const connections = createConnectionManager({ state, logger: silentLogger });
  const registry = new Registry();
  const server = createHboneServer(
    { listenAddress: o.listenAddress, port: 0, rootsPem: () => [o.ca.rootPem], ...o.config },
    { relayBudget: createRelayBudget(), state, certs: o.certs, metrics: createZtunnelMetrics(registry), accessLog: silentLogger, logger: silentLogger, connections },
  );
  const address = await server.start();
  return {
    server,
    address,
    state,
    connections,
    registry,
    close: async () => {
      connections.close();
      await server.close();
    },
  };
}

/** mTLS options of a client holding a certificate for `identity` from `ca`, naming `workloadIp` in SNI. */
export async function clientTls(ca: FakeCa, identity: string, workloadIp: string, server: AddressInfo): Promise<tls.ConnectionOptions> {
  const { keyPem, chain } = await ca.fetch(identity);
  return {
    host: server.address,
    port: server.port,
    servername: hboneServerName(workloadIp),
    key: keyPem,
    cert: chain[0],
    ca: [ca.rootPem],
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.3',
    checkServerIdentity: () => undefined,
  };
}

/** Outcome of a bare TLS handshake, with a deadline so a handshake the server never answers shows as `timeout`. */
export function handshake(opts: tls.ConnectionOptions, timeoutMs = 3000): Promise<'connected' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const s = tls.connect(opts);
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const done = (r: 'connected' | 'refused' | 'timeout'): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    s.once('secureConnect', () => done('connected'));
    s.once('error', () => done('refused'));
  });
}

/** An HTTP/2 session over `connect()` (a TLS socket, possibly dialed through a relay), resolved once connected. */
export function h2Session(connect: () => tls.TLSSocket): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('https://hbone.invalid', { createConnection: connect });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
    session.once('close', () => reject(new Error('session closed before connecting')));
  });
}

/** Sends CONNECT `authority`; resolves with the status and the stream (left open on 200). */
export function connectStream(session: http2.ClientHttp2Session, authority: string): Promise<{ status: number; stream: http2.ClientHttp2Stream }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'CONNECT', ':authority': authority }, { endStream: false });
    stream.once('response', (h) => resolve({ status: Number(h[':status']), stream }));
    stream.once('error', reject);
    stream.once('close', () => reject(new Error('stream closed without response')));
  });
}

/** Writes `text` on an open CONNECT stream and resolves with the first chunk echoed back. */
export function echoOnce(stream: http2.ClientHttp2Stream, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once('data', (d: Buffer) => resolve(d.toString()));
    stream.once('error', reject);
    stream.write(text);
  });
}

/** Polls `cond` every 50 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
