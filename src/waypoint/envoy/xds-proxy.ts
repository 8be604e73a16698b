/**
 * The waypoint's xDS proxy, as Istio's pilot-agent is for its Envoy: Envoy's ADS stream goes over plaintext HTTP/2
 * on a Unix socket in the waypoint's work directory (mode 0600) to this process, which opens the call to the control
 * plane over TLS with `authorization: Bearer <token>`, the token read from its file for every call. Envoy's bootstrap
 * is fixed when Envoy starts, so with the token in the bootstrap a rotated token file left the waypoint unable to
 * reconnect until Envoy was restarted. Messages are passed through as bytes (no decoding), one upstream call per
 * Envoy call, status and cancellation carried both ways.
 */
import * as http2 from 'node:http2';
import { chmod, rm } from 'node:fs/promises';
import type { Logger } from '../../shared/telemetry/logger.js';
import { createGrpcChannel, createMessageReader, frame, GRPC_STATUS, type GrpcCallError } from '../../shared/xds/grpc-h2.js';

/** The two ADS methods Envoy calls; anything else is UNIMPLEMENTED. */
const ADS_PATHS: ReadonlySet<string> = new Set([
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
]);
/** A whole waypoint configuration fits in one message; Envoy's own gRPC client takes any size. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** sun_path holds 108 bytes on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH = 107;

export interface XdsProxyConfig {
  /** Unix socket Envoy connects to. */
  readonly socketPath: string;
  /** The control plane's TLS xDS port, `host:port`. */
  readonly upstreamAddress: string;
  readonly rootsPem: readonly string[];
  /** TLS name of the control plane's certificate. */
  readonly serverName: string;
  /** The bearer token, asked once per call (re-reads a rotated file). */
  readonly token: () => string;
  readonly logger: Logger;
}

export interface XdsProxy {
  start(): Promise<void>;
  close(): Promise<void>;
}

const passBytes = { serialize: (b: Buffer): Buffer => b, deserialize: (b: Buffer): Buffer => b };

export function createXdsProxy(config: XdsProxyConfig): XdsProxy {
  if (Buffer.byteLength(config.socketPath) > MAX_SOCKET_PATH) {
    throw new Error(`xDS proxy socket path ${config.socketPath} is longer than ${MAX_SOCKET_PATH} bytes (use a shorter --state-dir)`);
  }
  const log = config.logger.child({ component: 'xds-proxy' });
  const channel = createGrpcChannel({
    address: config.upstreamAddress,
    tls: { rootsPem: config.rootsPem.join(''), servername: config.serverName },
    maxReceiveMessageBytes: MAX_MESSAGE_BYTES,
  });
  const server = http2.createServer();
  const sessions = new Set<http2.Http2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => relay(stream, headers));

  function relay(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const path = headers[':path'];
    let responded = false;
    const finish = (code: number, details: string): void => {
      if (stream.destroyed || stream.closed) return;
      const status = { 'grpc-status': String(code), ...(details ? { 'grpc-message': encodeURIComponent(details) } : {}) };
      if (!responded) {
        responded = true;
        return void stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true });
      }
      stream.once('wantTrailers', () => stream.sendTrailers(status));
      stream.end();
    };
    if (headers[':method'] !== 'POST' || typeof path !== 'string' || !ADS_PATHS.has(path)) {
      return finish(GRPC_STATUS.UNIMPLEMENTED, `the xDS proxy carries only ADS, not ${String(path)}`);
    }
    const call = channel.call({ path, ...passBytes }, { metadata: { authorization: `Bearer ${config.token()}` } });
    call.on('data', (message: Buffer) => {
      if (!responded) {
        responded = true;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      }
      if (!stream.destroyed) stream.write(frame(message));
    });
    call.on('end', () => finish(GRPC_STATUS.OK, ''));
    call.on('error', (err: GrpcCallError) => {
      if (err.code !== GRPC_STATUS.CANCELLED) log.warn('control plane call ended', { path, code: err.code, details: err.details });
      finish(err.code, err.details);
    });
    const reader = createMessageReader(MAX_MESSAGE_BYTES);
    stream.on('data', (chunk: Buffer) => {
      const got = reader.push(chunk);
      if ('error' in got) {
        call.cancel();
        return finish(GRPC_STATUS.RESOURCE_EXHAUSTED, got.error);
      }
      for (const m of got.messages) call.write(m);
    });
    stream.on('end', () => call.end());
    stream.on('error', () => undefined); // the close below cancels the upstream call
    stream.once('close', () => call.cancel()); // Envoy went away or the call ended: no-op once finished
  }

  return {
    async start() {
      await rm(config.socketPath, { force: true }); // a socket file left by a previous run
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await chmod(config.socketPath, 0o600);
    },
    async close() {
      channel.close();
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      await rm(config.socketPath, { force: true });
    },
  };
}
