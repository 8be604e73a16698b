/**
 * HBONE client: HTTP/2 CONNECT over mutual TLS 1.3 (ALPN h2) presenting the source workload's certificate. HTTP/2
 * connections are pooled per (source identity, source IP, destination socket, SNI, expected identities), as Istio's
 * `WorkloadKey`, and multiplex up to 100 streams each; a new connection is opened when all are full.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from '../../shared/telemetry/logger.js';
import { keepSessionAlive } from '../../shared/h2-keepalive.js';
import type { CertManager } from '../identity/cert-manager.js';
import { formatHostPort } from '../state/ip.js';
import * as C from './constants.js';
import { tlsMaterial, verifyServerIdentity } from './tls-identity.js';

export interface HboneRequest {
  readonly sourceIdentity: string;
  /** Local address to bind (the source pod IP); '' = let the kernel choose. */
  readonly sourceIp: string;
  readonly dialIp: string;
  readonly dialPort: number;
  readonly serverName: string;
  readonly expectedIdentities: readonly string[];
  readonly authority: string;
  /** Extra CONNECT headers (baggage, forwarded, traceparent). */
  readonly headers: Readonly<Record<string, string>>;
}

export type HboneResult =
  | { readonly ok: true; readonly stream: http2.ClientHttp2Stream }
  | { readonly ok: false; readonly flag: C.ResponseFlag; readonly status?: number; readonly message: string };

export interface HbonePoolConfig {
  /** Mesh roots to verify servers against (the CA's root cert). */
  readonly rootsPem: () => readonly string[];
  readonly maxStreamsPerConnection?: number;
  readonly idleTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** How long a CONNECT may wait for its response before the stream is cancelled (flag CONNECT). */
  readonly responseTimeoutMs?: number;
}

type PooledConnection = {
  readonly key: string;
  /** Streams in use or reserved. */
  active: number;
  idleTimer?: NodeJS.Timeout;
  state:
    | { kind: 'connecting'; ready: Promise<http2.ClientHttp2Session> }
    | { kind: 'ready'; session: http2.ClientHttp2Session }
    | { kind: 'draining'; session: http2.ClientHttp2Session }
    | { kind: 'closed' };
};

export interface HbonePool {
  connect(req: HboneRequest): Promise<HboneResult>;
  snapshot(): { key: string; state: string; activeStreams: number }[];
  close(): void;
}

class HboneDialError extends Error {
  constructor(readonly flag: C.ResponseFlag, message: string) {
    super(message);
  }
}

export function createHbonePool(config: HbonePoolConfig, deps: { certs: CertManager; logger: Logger }): HbonePool {
  const pools = new Map<string, PooledConnection[]>();
  const log = deps.logger.child({ scope: 'hbone-client' });
  const maxStreams = config.maxStreamsPerConnection ?? C.POOL_MAX_STREAMS_PER_CONNECTION;

  const release = (conn: PooledConnection): void => {
    conn.active--;
    if (conn.active > 0 || conn.state.kind !== 'ready') return;
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => retire(conn), config.idleTimeoutMs ?? C.POOL_IDLE_TIMEOUT_MS);
    conn.idleTimer.unref();
  };

  const retire = (conn: PooledConnection): void => {
    clearTimeout(conn.idleTimer);
    const list = pools.get(conn.key)?.filter((c) => c !== conn) ?? [];
    if (list.length > 0) pools.set(conn.key, list);
    else pools.delete(conn.key);
    if (conn.state.kind === 'ready' || conn.state.kind === 'draining') conn.state.session.close();
    conn.state = { kind: 'closed' };
  };

  const limitOf = (conn: PooledConnection): number =>
    conn.state.kind === 'ready' ? Math.min(maxStreams, conn.state.session.remoteSettings.maxConcurrentStreams ?? maxStreams) : maxStreams;

  const acquire = (req: HboneRequest): PooledConnection => {
    const key = poolKey(req);
    const list = pools.get(key) ?? [];
    const existing = list.find((c) => (c.state.kind === 'ready' || c.state.kind === 'connecting') && c.active < limitOf(c));
    if (existing) {
      existing.active++;
      clearTimeout(existing.idleTimer);
      return existing;
    }
    const conn: PooledConnection = { key, active: 1, state: { kind: 'connecting', ready: Promise.resolve(undefined as never) } };
    const ready = dial(req, conn);
    ready.catch(() => undefined);
    conn.state = { kind: 'connecting', ready };
    pools.set(key, [...list, conn]);
    return conn;
  };

  const dial = async (req: HboneRequest, conn: PooledConnection): Promise<http2.ClientHttp2Session> => {
    try {
      const cert = await deps.certs.get(req.sourceIdentity);
      const session = await openSession(req, tlsMaterial(cert, config.rootsPem()), config);
      if (conn.state.kind === 'closed') {
        session.destroy();
        throw new HboneDialError('CONNECT', 'pool closed');
      }
      conn.state = { kind: 'ready', session };
      const onGone = (): void => {
        if (conn.state.kind !== 'closed') retire(conn);
      };
      session.once('close', onGone);
      session.once('goaway', () => {
        if (conn.state.kind === 'ready') conn.state = { kind: 'draining', session };
      });
      session.on('error', (e) => log.debug('hbone session error', { key: conn.key, error: e }));
      return session;
    } catch (e) {
      retire(conn);
      throw e;
    }
  };

  return {
    async connect(req) {
      const conn = acquire(req);
      let session: http2.ClientHttp2Session;
      try {
        session = conn.state.kind === 'connecting' ? await conn.state.ready : conn.state.kind === 'ready' ? conn.state.session : await Promise.reject(new HboneDialError('CONNECT', 'connection closed'));
      } catch (e) {
        conn.active--;
        const err = e instanceof HboneDialError ? e : new HboneDialError('CONNECT', (e as Error).message);
        return { ok: false, flag: err.flag, message: err.message };
      }
      const result = await openStream(session, req, config.responseTimeoutMs ?? C.CONNECT_RESPONSE_TIMEOUT_MS);
      if (result.ok) result.stream.once('close', () => release(conn));
      else release(conn);
      return result;
    },
    snapshot() {
      return [...pools.values()].flat().map((c) => ({ key: c.key, state: c.state.kind, activeStreams: c.active }));
    },
    close() {
      for (const list of [...pools.values()]) for (const c of list) {
        if (c.state.kind === 'ready' || c.state.kind === 'draining') c.state.session.destroy();
        retire(c);
      }
    },
  };
}

function poolKey(req: HboneRequest): string {
  return [req.sourceIdentity, req.sourceIp, formatHostPort(req.dialIp, req.dialPort), req.serverName, [...req.expectedIdentities].sort().join(',')].join('|');
}

/** TCP + TLS + HTTP/2 handshake, server identity check, 16 MiB connection window, keepalive PINGs. */
function openSession(req: HboneRequest, material: ReturnType<typeof tlsMaterial>, config: HbonePoolConfig): Promise<http2.ClientHttp2Session> {
  // Built before dialing: a key or certificate OpenSSL refuses fails here, not inside createConnection after the TCP
  // socket already exists (where the throw would leave that socket without an owner).
  let secureContext: tls.SecureContext;
  try {
    const { ALPNProtocols: _alpn, ...contextOptions } = material;
    secureContext = tls.createSecureContext(contextOptions);
  } catch (e) {
    return Promise.reject(new HboneDialError('TLS_FAILURE', `TLS material for ${req.sourceIdentity}: ${(e as Error).message}`));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: HboneDialError): void => {
      if (settled) return;
      settled = true;
      session.destroy();
      reject(err);
    };
    const session = http2.connect(`https://${formatHostPort(req.dialIp, req.dialPort)}`, {
      settings: {
        initialWindowSize: C.STREAM_WINDOW_BYTES,
        maxFrameSize: C.MAX_FRAME_BYTES,
        maxHeaderListSize: C.CLIENT_MAX_HEADER_LIST_BYTES,
        enablePush: false,
      },
      maxSessionMemory: C.MAX_SESSION_MEMORY_MB,
      createConnection: () => {
        // Bind the source workload's IP, as in-pod mode would (Istio's pool key includes the source IP).
        const tcp = net.connect({ host: req.dialIp, port: req.dialPort, ...(req.sourceIp ? { localAddress: req.sourceIp } : {}) });
        tcp.setNoDelay(true);
        // Refused / unreachable / reset before TLS is a connect failure (Istio's CONNECT flag), not a TLS one; this
        // listener runs before the TLS socket re-emits the same error.
        tcp.once('error', (e) => fail(new HboneDialError('CONNECT', `connect to ${formatHostPort(req.dialIp, req.dialPort)}: ${e.message}`)));
        const socket = tls.connect({
          socket: tcp,
          servername: req.serverName,
          secureContext,
          ALPNProtocols: material.ALPNProtocols,
          rejectUnauthorized: true,
          checkServerIdentity: () => undefined,
        });
        socket.once('secureConnect', () => {
          if (socket.alpnProtocol !== C.ALPN_H2) return fail(new HboneDialError('H2_HANDSHAKE_FAILURE', `ALPN "${String(socket.alpnProtocol)}" instead of h2`));
          const problem = verifyServerIdentity(socket, req.expectedIdentities);
          if (problem) fail(new HboneDialError('IDENTITY_ERROR', problem));
        });
        socket.once('error', (e) => fail(new HboneDialError('TLS_FAILURE', `TLS to ${formatHostPort(req.dialIp, req.dialPort)}: ${e.message}`)));
        return socket;
      },
    });
    const timer = setTimeout(() => fail(new HboneDialError('CONNECT', `connect to ${formatHostPort(req.dialIp, req.dialPort)} timed out`)), config.connectTimeoutMs ?? C.CONNECT_TIMEOUT_MS);
    session.once('error', (e) => fail(new HboneDialError('H2_HANDSHAKE_FAILURE', e.message)));
    session.once('close', () => {
      clearTimeout(timer);
      fail(new HboneDialError('CONNECT', 'connection closed during handshake'));
    });
    session.once('connect', () => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      if (!session.destroyed) session.setLocalWindowSize(C.CONNECTION_WINDOW_BYTES);
      keepSessionAlive(session, { intervalMs: config.keepaliveIntervalMs ?? C.KEEPALIVE_INTERVAL_MS, timeoutMs: config.keepaliveTimeoutMs ?? C.KEEPALIVE_TIMEOUT_MS, label: 'HBONE' });
      resolve(session);
    });
  });
}

const ignoreError = (): void => undefined;

/** Sends CONNECT and waits for the response headers; non-200 closes the stream. */
function openStream(session: http2.ClientHttp2Session, req: HboneRequest, responseTimeoutMs: number): Promise<HboneResult> {
  return new Promise((resolve) => {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({ ':method': 'CONNECT', ':authority': req.authority, ...req.headers }, { endStream: false });
    } catch (e) {
      resolve({ ok: false, flag: 'CONNECT', message: `CONNECT ${req.authority}: ${(e as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      resolve({ ok: false, flag: 'CONNECT', message: `CONNECT ${req.authority}: no response within ${responseTimeoutMs} ms` });
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }, responseTimeoutMs);
    const onError = (e: Error): void => {
      clearTimeout(timer);
      resolve({ ok: false, flag: 'CONNECT', message: `CONNECT ${req.authority}: ${e.message}` });
    };
    const onClose = (): void => {
      clearTimeout(timer);
      resolve({ ok: false, flag: 'CONNECT', message: `CONNECT ${req.authority}: stream closed before response (code ${stream.rstCode})` });
    };
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.once('response', (headers) => {
      clearTimeout(timer);
      // The handshake listeners close over this promise; a long-lived tunnel should not keep them (~1 KB each).
      stream.off('error', onError);
      stream.off('close', onClose);
      stream.on('error', ignoreError); // later errors are handled by the relay, never unhandled
      const status = Number(headers[':status']);
      if (status === 200) return resolve({ ok: true, stream });
      stream.close();
      resolve({ ok: false, flag: status === 401 ? 'DENY' : 'CONNECT', status, message: `CONNECT ${req.authority}: HTTP ${status}` });
    });
  });
}
