/**
 * Plaintext inbound (15006) for non-mesh clients, under the destination's L4 policies with no peer identity (so
 * principal/namespace rules never match, as Istio). Istio learns the target from the original destination of
 * captured traffic; in local mode there is no capture, so the client names it in a PROXY protocol v1 header
 * (`PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, what `curl --haproxy-protocol` and HAProxy send). Only the
 * destination is taken from the header; the source used for policy is the real TCP peer. Denials close the socket.
 */
import * as net from 'node:net';
import type { Logger } from '../../shared/telemetry/logger.js';
import { drainAndClose } from '../proxy/drain.js';
import type { StateStore } from '../state/store.js';
import { countDryRun, type ZtunnelMetrics } from '../metrics.js';
import { formatHostPort, normalizeIp } from '../state/ip.js';
import { trackConnection } from '../access-log.js';
import { socketEnd, type RelayBudget } from '../proxy/relay.js';
import { relayWatched } from './watched-relay.js';
import { authorizeAndConnect } from './deliver.js';
import { inboundService } from './destination-service.js';
import type { ConnectionManager } from './connection-manager.js';
import { createByteReader } from '../proxy/byte-reader.js';
import { listenOn } from '../proxy/listen.js';

export interface PlaintextInboundConfig {
  readonly listenAddress: string;
  readonly port: number;
  readonly headerTimeoutMs?: number;
}

export interface PlaintextInboundDeps {
  /** Buffer budget shared by this ztunnel's relays. */
  readonly relayBudget: RelayBudget;
  readonly state: StateStore;
  readonly metrics: ZtunnelMetrics;
  readonly accessLog: Logger;
  readonly logger: Logger;
  /** Re-authorizes live connections on policy changes. */
  readonly connections: ConnectionManager;
}

export interface PlaintextInbound {
  start(): Promise<net.AddressInfo>;
  /** Stops accepting; live connections get `drainMs` (default 0) to finish. */
  close(drainMs?: number): Promise<void>;
}

const MAX_V1_HEADER = 107;

export function createPlaintextInbound(config: PlaintextInboundConfig, deps: PlaintextInboundDeps): PlaintextInbound {
  const log = deps.logger.child({ scope: 'inbound-plaintext' });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    void serve(socket).catch((e: Error) => {
      log.debug('plaintext inbound failed', { error: e });
      socket.destroy();
    });
  });

  const serve = async (socket: net.Socket): Promise<void> => {
    const timer = setTimeout(() => socket.destroy(), config.headerTimeoutMs ?? 10_000);
    const header = await readProxyV1(socket).finally(() => clearTimeout(timer));
    const client = formatHostPort(normalizeIp(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
    // Refusals before a connection exists still get an access-log line (Istio's "connection failed"), not metrics.
    const refuse = (destination: string, why: string): void => {
      deps.accessLog.warn('inbound connection failed', { direction: 'inbound', 'src.addr': client, 'dst.addr': destination, error: why });
      socket.destroy();
    };
    if (!header) return refuse('', 'missing or malformed PROXY v1 header');
    const workload = deps.state.localWorkloadByIp(header.ip);
    if (!workload) return refuse(formatHostPort(header.ip, header.port), `${header.ip} is not a workload on this node`);
    const sourceIp = normalizeIp(socket.remoteAddress ?? '');
    const source = deps.state.workloadByIp(sourceIp);
    // No HBONE headers here, so the service can only be inferred from the destination port.
    const service = inboundService(deps.state, workload, header.port);
    const tracker = trackConnection(
      {
        direction: 'inbound',
        sourceAddr: formatHostPort(sourceIp, socket.remotePort ?? 0),
        destinationAddr: formatHostPort(header.ip, header.port),
        labels: {
          reporter: 'destination',
          ...(source ? { source } : {}),
          destination: workload,
          ...(service ? { destinationService: service } : {}),
          destinationPrincipal: workload.identity,
          mtls: false,
        },
      },
      { metrics: deps.metrics, accessLog: deps.accessLog },
    );
    const result = await authorizeAndConnect(deps.state, { workload, ip: header.ip, port: header.port, sourceIp });
    countDryRun(deps.metrics, result.dryRun);
    if (!result.ok) {
      socket.destroy();
      return tracker.finish({ flag: result.flag, error: result.error, ...(result.policy ? { policy: result.policy } : {}) }, false);
    }
    await relayWatched(
      socketEnd(socket),
      socketEnd(result.upstream),
      { attrs: { sourceIp, destinationIp: header.ip, destinationPort: header.port }, tracker, policy: result.policy },
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

/** Reads a PROXY v1 line; bytes after it stay in the socket. Undefined when absent or malformed. */
async function readProxyV1(socket: net.Socket): Promise<{ ip: string; port: number } | undefined> {
  const reader = createByteReader(socket);
  try {
    const line = await reader.readUntil('\r\n', MAX_V1_HEADER - 2);
    return line ? parseProxyV1(line.toString('latin1')) : undefined;
  } finally {
    reader.release();
  }
}

export function parseProxyV1(line: string): { ip: string; port: number } | undefined {
  const m = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5})$/.exec(line);
  if (!m) return undefined;
  const dst = m[3]!;
  const port = Number(m[5]);
  if (net.isIP(dst) !== (m[1] === 'TCP4' ? 4 : 6) || port < 1 || port > 65535) return undefined;
  return { ip: normalizeIp(dst), port };
}
