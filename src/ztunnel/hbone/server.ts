/**
 * HBONE server (15008): mutual TLS 1.3 with a client certificate chained to the mesh root, the local workload's
 * certificate chosen by SNI (local mode, see `hboneServerName`), HTTP/2 CONNECT to `<podIP>:<port>`. Answers as
 * Istio's ztunnel: 400 malformed / IP mismatch, 401 policy denial, 503 unknown workload or upstream failure.
 */
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/telemetry/logger.js';
import { keepSessionAlive } from '../../shared/h2-keepalive.js';
import { drainAndClose } from '../proxy/drain.js';
import { parseSpiffeId, workloadIpFromServerName } from '../../shared/constants.js';
import type { CertManager, WorkloadCertificate } from '../identity/cert-manager.js';
import type { StateStore } from '../state/store.js';
import type { ZWorkload } from '../state/types.js';
import { formatHostPort, normalizeIp, parseIpPort } from '../state/ip.js';
import { countDryRun, type ZtunnelMetrics } from '../metrics.js';
import { trackConnection } from '../access-log.js';
import { authorizeAndConnect } from '../inbound/deliver.js';
import { forwardedHost, inboundService } from '../inbound/destination-service.js';
import type { ConnectionManager } from '../inbound/connection-manager.js';
import { h2End, socketEnd, type RelayBudget } from '../proxy/relay.js';
import { relayWatched } from '../inbound/watched-relay.js';
import * as C from './constants.js';
import { peerIdentity, tlsMaterial } from './tls-identity.js';
import { baggageOf } from './baggage.js';
import { listenOn } from '../proxy/listen.js';

export interface HboneServerConfig {
  readonly listenAddress: string;
  /** Default 15008; 0 picks a free port. */
  readonly port: number;
  readonly rootsPem: () => readonly string[];
  /** HTTP/2 PING interval on accepted sessions; default KEEPALIVE_INTERVAL_MS (10 s). */
  readonly keepaliveIntervalMs?: number;
  /** A PING not acknowledged within this drops the session; default KEEPALIVE_TIMEOUT_MS (20 s). */
  readonly keepaliveTimeoutMs?: number;
}

export interface HboneServerDeps {
  /** Buffer budget shared by this ztunnel's relays. */
  readonly relayBudget: RelayBudget;
  readonly state: StateStore;
  readonly certs: CertManager;
  readonly metrics: ZtunnelMetrics;
  readonly accessLog: Logger;
  readonly logger: Logger;
  /** Re-authorizes live connections on policy changes. */
  readonly connections: ConnectionManager;
}

export interface HboneServer {
  start(): Promise<AddressInfo>;
  /** Stops accepting; sessions get GOAWAY and `drainMs` (default 0) to finish their streams. */
  close(drainMs?: number): Promise<void>;
}

export function createHboneServer(config: HboneServerConfig, deps: HboneServerDeps): HboneServer {
  const log = deps.logger.child({ scope: 'hbone-server' });
  const contexts = new WeakMap<WorkloadCertificate, tls.SecureContext>();
  const sessions = new Set<http2.ServerHttp2Session>();

  /**
   * The local workload HBONE may reach at `ip`: only captured ones (tunnel HBONE), as Istio's ztunnel. Others get no
   * HBONE at all: serving them would fetch a certificate for an identity this node does not keep (see `retain`).
   */
  const hboneWorkloadByIp = (ip: string): ZWorkload | undefined => {
    const w = deps.state.localWorkloadByIp(ip);
    return w?.tunnel === 'HBONE' ? w : undefined;
  };

  const sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const ip = workloadIpFromServerName(servername);
    const w = ip ? hboneWorkloadByIp(ip) : undefined;
    if (!w) return cb(new Error(`HBONE: SNI "${servername}" names no ambient workload on this node`));
    // Building the context can throw (key not matching the certificate, unparsable PEM). Inside a `then` that would
    // be an unhandled rejection, which ends the process, and the handshake would never be answered: every failure
    // goes to `cb` instead, so only this handshake fails.
    deps.certs
      .get(w.identity)
      .then(contextFor)
      .then(
        (ctx) => cb(null, ctx),
        (e: Error) => {
          log.warn('HBONE handshake refused: no usable certificate for the workload', { identity: w.identity, sni: servername, error: e });
          cb(new Error(`HBONE: no usable certificate for ${w.identity}: ${e.message}`));
        },
      )
      .catch((e: unknown) => log.error('HBONE SNI callback failed', { sni: servername, error: e }));
  };

  /** One secure context per certificate; rebuilt only when the cert manager hands out a new certificate. */
  const contextFor = (cert: WorkloadCertificate): tls.SecureContext => {
    let ctx = contexts.get(cert);
    if (!ctx) contexts.set(cert, (ctx = tls.createSecureContext(tlsMaterial(cert, config.rootsPem()))));
    return ctx;
  };

  const server = http2.createSecureServer({
    ...baseTlsOptions(config.rootsPem()),
    SNICallback: sniCallback,
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
    // As the client side and every other ztunnel socket: no Nagle delay on small frames (responses, window updates).
    noDelay: true,
    maxSessionMemory: C.MAX_SESSION_MEMORY_MB,
    settings: {
      initialWindowSize: C.STREAM_WINDOW_BYTES,
      maxFrameSize: C.MAX_FRAME_BYTES,
      maxConcurrentStreams: C.SERVER_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: C.SERVER_MAX_HEADER_LIST_BYTES,
    },
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    // Istio's TrustDomainVerifier: the client must be in the trust domain of the workload it talks to.
    const ip = workloadIpFromServerName(String(socket.servername ?? ''));
    const local = ip ? deps.state.localWorkloadByIp(ip) : undefined;
    const peer = peerIdentity(socket);
    const peerTd = peer ? parseSpiffeId(peer)?.trustDomain : undefined;
    if (!local || peerTd !== local.trustDomain) {
      log.warn('HBONE client rejected: identity not in the destination trust domain', { peer, sni: socket.servername });
      socket.destroy();
    }
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', (e) => log.debug('hbone session error', { error: e }));
    session.once('connect', () => (session.destroyed ? undefined : session.setLocalWindowSize(C.CONNECTION_WINDOW_BYTES)));
    // As Istio's ztunnel server: a client that vanished without FIN or RST (node lost, partition) would otherwise
    // hold the session, its streams, their upstream sockets and their open-connection metrics forever.
    keepSessionAlive(session, {
      intervalMs: config.keepaliveIntervalMs ?? C.KEEPALIVE_INTERVAL_MS,
      timeoutMs: config.keepaliveTimeoutMs ?? C.KEEPALIVE_TIMEOUT_MS,
      label: `HBONE inbound from ${session.socket?.remoteAddress ?? 'unknown'}`,
    });
  });
  server.on('stream', (stream, headers) => void handleStream(stream, headers).catch((e) => log.error('hbone stream handler failed', { error: e })));
  server.on('tlsClientError', (e) => log.debug('HBONE TLS handshake failed', { error: e }));

  const respond = (stream: http2.ServerHttp2Stream, status: number, extra: http2.OutgoingHttpHeaders = {}): void => {
    deps.metrics.hboneResponses.inc({ code: String(status) });
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': status, ...extra }, { endStream: status !== 200 });
  };

  const handleStream = async (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Promise<void> => {
    stream.on('error', () => undefined); // relay / close paths report errors; never unhandled
    const socket = stream.session?.socket as tls.TLSSocket | undefined;
    if (!socket) return;
    const peer = peerIdentity(socket);
    const sourceIp = normalizeIp(socket.remoteAddress ?? '');
    // Refusals before a connection exists still get an access-log line (Istio's "connection failed"), not metrics.
    const refuse = (status: 400 | 503, why: string): void => {
      deps.accessLog.warn('inbound connection failed', {
        direction: 'inbound', 'src.addr': formatHostPort(sourceIp, socket.remotePort ?? 0), 'src.identity': peer ?? null,
        'dst.addr': String(headers[':authority'] ?? ''), 'hbone.status': status, error: why,
      });
      respond(stream, status);
    };
    if (headers[':method'] !== 'CONNECT') return refuse(400, `method ${String(headers[':method'])} is not CONNECT`);
    const target = parseIpPort(String(headers[':authority'] ?? ''));
    if (!target) return refuse(400, 'authority is not ip:port');
    const sniIp = workloadIpFromServerName(String(socket.servername ?? ''));
    if (sniIp === undefined || normalizeIp(sniIp) !== target.ip) return refuse(400, `authority IP ${target.ip} does not match the workload named in SNI (${String(socket.servername)})`);
    // Checked again per stream: the workload may have left ambient since the handshake.
    const workload = hboneWorkloadByIp(target.ip);
    if (!workload) return refuse(503, `${target.ip} is not a captured workload on this node`);
    const srcWorkload = deps.state.workloadByIp(sourceIp);
    // The authority is the pod address, so the service the client meant comes from its `Forwarded: host=` or the port.
    const service = inboundService(deps.state, workload, target.port, forwardedHost(headers[C.HEADERS.forwarded]));
    const traceparent = headers[C.HEADERS.traceparent];
    const tracker = trackConnection(
      {
        direction: 'inbound',
        sourceAddr: formatHostPort(sourceIp, socket.remotePort ?? 0),
        destinationAddr: formatHostPort(target.ip, target.port),
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
        labels: {
          reporter: 'destination',
          ...(srcWorkload && srcWorkload.identity === peer ? { source: srcWorkload } : {}),
          ...(peer ? { sourcePrincipal: peer } : {}),
          destination: workload,
          ...(service ? { destinationService: service } : {}),
          destinationPrincipal: workload.identity,
          mtls: true,
        },
      },
      { metrics: deps.metrics, accessLog: deps.accessLog },
    );
    const result = await authorizeAndConnect(deps.state, { workload, ip: target.ip, port: target.port, sourceIp, ...(peer ? { sourceIdentity: peer } : {}) });
    countDryRun(deps.metrics, result.dryRun);
    if (!result.ok) {
      respond(stream, result.status);
      return tracker.finish({ flag: result.flag, status: result.status, error: result.error, ...(result.policy ? { policy: result.policy } : {}) }, false);
    }
    if (stream.destroyed) {
      result.upstream.destroy();
      return tracker.finish({ flag: 'CONNECT', error: 'client went away', ...(result.policy ? { policy: result.policy } : {}) }, false);
    }
    // ENABLE_RESPONSE_BAGGAGE (Istio default true): the 200 describes the destination workload.
    const baggage = baggageOf(workload);
    respond(stream, 200, baggage ? { [C.HEADERS.baggage]: baggage } : {});
    await relayWatched(
      h2End(stream),
      socketEnd(result.upstream),
      { attrs: { sourceIp, destinationIp: target.ip, destinationPort: target.port, ...(peer ? { sourceIdentity: peer } : {}) }, tracker, policy: result.policy, status: 200 },
      deps,
    );
  };

  return {
    start() {
      return listenOn(server, config.port, config.listenAddress);
    },
    close(drainMs = 0) {
      // GOAWAY first: clients stop opening streams here and finish the ones they have.
      return drainAndClose(server as unknown as import('node:net').Server, sessions as Set<http2.ServerHttp2Session>, drainMs);
    },
  };
}

function baseTlsOptions(roots: readonly string[]): tls.TlsOptions {
  return { ca: [...roots], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: C.TLS13_CIPHER_SUITES, ALPNProtocols: [C.ALPN_H2] };
}
