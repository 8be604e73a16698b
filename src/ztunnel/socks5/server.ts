/**
 * SOCKS5 outbound listener (15080): RFC 1928 CONNECT (IPv4, IPv6, domain), no-auth only. The source workload is the
 * local workload whose IP is the client's source address; anyone else gets reply 0x02 (not allowed).
 */
import * as net from 'node:net';
import type { Logger } from '../../shared/telemetry/logger.js';
import { drainAndClose } from '../proxy/drain.js';
import { normalizeIp } from '../state/ip.js';
import { handleOutbound, type OutboundDeps } from '../proxy/outbound.js';
import { createByteReader } from '../proxy/byte-reader.js';
import { encodeReply, negotiate, readRequest, REPLY, type SocksRequest } from './protocol.js';
import { listenOn } from '../proxy/listen.js';

export interface Socks5ServerConfig {
  readonly listenAddress: string;
  readonly port: number;
  /** The whole handshake must finish within this; default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

export interface Socks5Server {
  start(): Promise<net.AddressInfo>;
  /** Stops accepting; live connections get `drainMs` (default 0) to finish. */
  close(drainMs?: number): Promise<void>;
}

/** How long a refused client may take to close after the reply before its socket is destroyed. */
const REFUSAL_LINGER_MS = 2_000;

export function createSocks5Server(config: Socks5ServerConfig, deps: OutboundDeps & { logger: Logger }): Socks5Server {
  const log = deps.logger.child({ scope: 'socks5' });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // relay reports; a reset before then just ends the handshake
    void serve(socket).catch((e: Error) => {
      log.debug('SOCKS5 connection failed', { error: e });
      socket.destroy();
    });
  });

  /** `reply` is a request reply code; `response` raw bytes instead (the method-negotiation refusal). */
  const refuse = (socket: net.Socket, reply: number | undefined, reason: string, response?: Buffer): void => {
    const code = reply ?? (response ? response[1] : undefined);
    deps.metrics.socksRejections.inc({ reply: code === undefined ? 'none' : `0x${code.toString(16).padStart(2, '0')}` });
    log.warn('SOCKS5 request refused', { client: socket.remoteAddress, reason, ...(code !== undefined ? { reply: code } : {}) });
    const bytes = reply !== undefined ? encodeReply(reply) : response;
    if (!bytes || socket.destroyed) return void socket.destroy();
    socket.end(bytes);
    // Discard whatever the client sent after its request, so its FIN is seen and the half-open socket closes; a
    // client that never closes is cut off shortly after (nothing else would ever destroy this socket).
    socket.resume();
    setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
  };

  /** Negotiation and request: the target, or why the client is refused. Kept apart from `serve`, which lives as long
   * as the connection: its reader and timer would otherwise stay referenced (~1 KB each). */
  const handshake = async (socket: net.Socket): Promise<SocksRequest> => {
    const timer = setTimeout(() => socket.destroy(new Error('SOCKS5 handshake timed out')), config.handshakeTimeoutMs ?? 10_000);
    const reader = createByteReader(socket);
    // The timer and reader go on every exit, including a client that vanishes mid-handshake (the reads reject).
    try {
      const negotiated = await negotiate(socket, reader);
      return negotiated.ok ? await readRequest(reader) : negotiated;
    } finally {
      clearTimeout(timer);
      reader.release();
    }
  };

  const serve = async (socket: net.Socket): Promise<void> => {
    // Refused only after the handshake released its reader: the release pauses the socket, undoing the refusal's drain.
    const shake = await handshake(socket);
    if (!shake.ok) return refuse(socket, shake.reply, shake.reason, shake.response);
    const { target } = shake;
    const source = deps.state.localWorkloadByIp(normalizeIp(socket.remoteAddress ?? ''));
    if (!source) return refuse(socket, REPLY.notAllowed, `source ${String(socket.remoteAddress)} is not a workload on this node`);
    return handleOutbound(
      socket,
      source,
      target,
      (result) => {
        if (socket.destroyed) return false;
        if (!result.ok) {
          refuse(socket, result.reply, result.reason);
          return false;
        }
        socket.write(encodeReply(REPLY.succeeded));
        return true;
      },
      deps,
    );
  };

  return {
    start() {
      return listenOn(server, config.port, config.listenAddress);
    },
    close(drainMs = 0) {
      return drainAndClose(server, sockets, drainMs);
    },
  };
}
