/**
 * A small gRPC client on `node:http2`: one HTTP/2 (TLS) session per channel, length-prefixed messages, status from
 * trailers. Enough for the node proxy's two calls (Delta ADS, the CA's CreateCertificate) without @grpc/grpc-js and
 * @grpc/proto-loader, which cost a ztunnel ~3-5 MB of memory for features it does not use (name resolution, load
 * balancing, retries, service configs). Wire format: grpc/PROTOCOL-HTTP2.md.
 */
import { EventEmitter } from 'node:events';
import * as http2 from 'node:http2';
import { GRPC_STATUS, GrpcCallError, grpcStatusName } from './grpc-status.js';
import { keepSessionAlive } from '../h2-keepalive.js';

export interface GrpcChannelOptions {
  /** `host:port` (IPv6 as `[::1]:port`). */
  readonly address: string;
  /** TLS with these roots (PEM); omitted = plaintext (h2c, local debugging only). */
  readonly tls?: { readonly rootsPem: string | Buffer; readonly servername?: string };
  /** `:authority` to send; default the TLS servername, else `address` (grpc-js `grpc.default_authority`). */
  readonly authority?: string;
  /** Largest message accepted; a bigger one fails the call with RESOURCE_EXHAUSTED. Default 4 MiB (as grpc-js). */
  readonly maxReceiveMessageBytes?: number;
  /** HTTP/2 receive window for the session and each stream (grpc-js `grpc-node.flow_control_window`). */
  readonly windowBytes?: number;
  /**
   * Close the connection after this long without calls; the next call reconnects (grpc-js
   * `grpc.client_idle_timeout_ms`, default 30 min). A CA channel used twice a day need not hold a TLS session.
   */
  readonly idleTimeoutMs?: number;
  /**
   * HTTP/2 PING interval and ack timeout while calls are open (Istio's gRPC keepalive defaults: 30 s and 10 s; istiod
   * accepts one PING per 15 s, and none on a connection without calls). A control plane that vanishes without
   * closing the connection fails the open calls (UNAVAILABLE) instead of leaving them waiting.
   */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveTimeoutMs?: number;
}

export interface GrpcCallOptions {
  /** Request metadata (lowercase ASCII keys). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Absolute deadline (ms since epoch); sent as `grpc-timeout`, and the call fails with DEADLINE_EXCEEDED after it. */
  readonly deadline?: number;
}

/**
 * One call. Emits `data` (each decoded response message), then either `end` (status OK) or `error` (a
 * GrpcCallError) exactly once; `status` carries the final status either way.
 */
export interface GrpcCall<Req, Res> extends EventEmitter {
  write(message: Req): void;
  /** Half-closes the request side. */
  end(): void;
  /** Cancels the call (RST_STREAM CANCEL); emits `error` CANCELLED unless already finished. */
  cancel(): void;
  on(event: 'data', listener: (message: Res) => void): this;
  on(event: 'error', listener: (err: GrpcCallError) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'status', listener: (status: { code: number; details: string }) => void): this;
}

export interface GrpcMethod<Req, Res> {
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly serialize: (message: Req) => Uint8Array;
  readonly deserialize: (bytes: Buffer) => Res;
}

export interface GrpcChannel {
  call<Req, Res>(method: GrpcMethod<Req, Res>, opts?: GrpcCallOptions): GrpcCall<Req, Res>;
  unary<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, opts?: GrpcCallOptions): Promise<Res>;
  close(): void;
}

const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 30_000;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 10_000;

export function createGrpcChannel(opts: GrpcChannelOptions): GrpcChannel {
  const authority = opts.authority ?? opts.tls?.servername ?? opts.address;
  const maxReceive = opts.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE_BYTES;
  let session: http2.ClientHttp2Session | undefined;
  let closed = false;
  let activeCalls = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const closeIfIdle = (s: http2.ClientHttp2Session): void => {
    idleTimer = undefined;
    if (activeCalls === 0 && session === s) {
      session = undefined;
      s.close();
    }
  };
  // An idle channel never keeps the process alive; a call in progress does (as with grpc-js).
  const track = (s: http2.ClientHttp2Session, delta: 1 | -1): void => {
    activeCalls += delta;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (s.destroyed) return;
    if (activeCalls > 0) return void s.ref();
    s.unref();
    idleTimer = setTimeout(() => closeIfIdle(s), opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    idleTimer.unref();
  };

  const connect = (): http2.ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const settings = opts.windowBytes ? { initialWindowSize: opts.windowBytes } : {};
    const s = opts.tls
      ? http2.connect(`https://${opts.address}`, {
          ca: opts.tls.rootsPem,
          ...(opts.tls.servername ? { servername: opts.tls.servername } : {}),
          ALPNProtocols: ['h2'],
          settings,
        })
      : http2.connect(`http://${opts.address}`, { settings });
    s.on('error', () => undefined); // reported through each stream's own error/close
    s.once('close', () => {
      if (session === s) session = undefined;
    });
    s.once('connect', () => {
      if (s.destroyed) return;
      if (opts.windowBytes) s.setLocalWindowSize(opts.windowBytes);
      keepSessionAlive(s, {
        intervalMs: opts.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
        timeoutMs: opts.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
        label: `gRPC ${opts.address}`,
        while: () => activeCalls > 0 && session === s,
      });
    });
    s.unref();
    session = s;
    return s;
  };

  const call = <Req, Res>(method: GrpcMethod<Req, Res>, callOpts: GrpcCallOptions = {}): GrpcCall<Req, Res> => {
    if (closed) throw new Error(`gRPC channel to ${opts.address} is closed`);
    const s = connect();
    track(s, 1);
    const c = startCall(s, method, callOpts, { authority, maxReceive, scheme: opts.tls ? 'https' : 'http', address: opts.address });
    c.once('status', () => track(s, -1));
    return c;
  };

  return {
    call,
    unary(method, request, callOpts) {
      return new Promise((resolve, reject) => {
        let response: unknown;
        const c = call(method, callOpts);
        c.on('data', (m) => (response = m));
        c.on('error', reject);
        c.on('end', () => (response === undefined ? reject(new GrpcCallError(GRPC_STATUS.INTERNAL, `${method.path}: no response message`)) : resolve(response as never)));
        c.write(request);
        c.end();
      });
    },
    close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      session?.close();
      session = undefined;
    },
  };
}

interface CallContext {
  readonly authority: string;
  readonly maxReceive: number;
  readonly scheme: 'http' | 'https';
  readonly address: string;
}

function startCall<Req, Res>(session: http2.ClientHttp2Session, method: GrpcMethod<Req, Res>, opts: GrpcCallOptions, ctx: CallContext): GrpcCall<Req, Res> {
  const call = new EventEmitter() as GrpcCall<Req, Res>;
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':scheme': ctx.scheme,
    ':path': method.path,
    ':authority': ctx.authority,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...(opts.deadline !== undefined ? { 'grpc-timeout': grpcTimeout(opts.deadline - Date.now()) } : {}),
    ...opts.metadata,
  };
  const stream = session.request(headers);
  let finished = false;
  let deadlineTimer: NodeJS.Timeout | undefined;
  const reader = createMessageReader(ctx.maxReceive);

  const finish = (code: number, details: string): void => {
    if (finished) return;
    finished = true;
    if (deadlineTimer) clearTimeout(deadlineTimer);
    call.emit('status', { code, details });
    if (code === GRPC_STATUS.OK) call.emit('end');
    else call.emit('error', new GrpcCallError(code, details));
    if (!stream.destroyed) stream.close(code === GRPC_STATUS.OK ? http2.constants.NGHTTP2_NO_ERROR : http2.constants.NGHTTP2_CANCEL);
  };
  const fromHeaders = (h: http2.IncomingHttpHeaders): boolean => {
    const status = h['grpc-status'];
    if (status === undefined) return false;
    finish(Number(status), decodeGrpcMessage(String(h['grpc-message'] ?? '')));
    return true;
  };

  if (opts.deadline !== undefined) {
    deadlineTimer = setTimeout(() => finish(GRPC_STATUS.DEADLINE_EXCEEDED, 'Deadline exceeded'), Math.max(0, opts.deadline - Date.now()));
  }
  stream.on('response', (h) => {
    const httpStatus = Number(h[':status']);
    if (httpStatus !== 200) return void finish(httpStatusToGrpc(httpStatus), `Received HTTP status code ${httpStatus}`);
    fromHeaders(h); // trailers-only response
  });
  stream.on('data', (chunk: Buffer) => {
    const got = reader.push(chunk);
    if ('error' in got) return void finish(GRPC_STATUS.RESOURCE_EXHAUSTED, got.error);
    for (const bytes of got.messages) {
      if (finished) return;
      let message: Res;
      try {
        message = method.deserialize(bytes);
      } catch (err) {
        return void finish(GRPC_STATUS.INTERNAL, `cannot decode ${method.path} response: ${(err as Error).message}`);
      }
      call.emit('data', message);
    }
  });
  stream.on('trailers', (h) => void fromHeaders(h));
  stream.on('error', (err: Error) => finish(GRPC_STATUS.UNAVAILABLE, `${ctx.address}: ${err.message}`));
  stream.on('close', () => {
    const reason = stream.rstCode && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR ? ` (RST_STREAM code ${stream.rstCode})` : '';
    finish(GRPC_STATUS.UNAVAILABLE, `${ctx.address}: stream closed without a gRPC status${reason}`);
  });

  call.write = (message) => {
    if (finished || stream.destroyed) return;
    stream.write(frame(method.serialize(message)));
  };
  call.end = () => {
    if (!finished && !stream.destroyed) stream.end();
  };
  call.cancel = () => finish(GRPC_STATUS.CANCELLED, 'Cancelled on client');
  return call;
}

/** `grpc-timeout`: at most 8 digits, in milliseconds or, for long deadlines, seconds. */
function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole <= 99_999_999 ? `${whole}m` : `${Math.min(99_999_999, Math.ceil(whole / 1000))}S`;
}

/** The 5-byte gRPC message prefix (uncompressed) plus the message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Reassembles length-prefixed messages from DATA chunks without copying more than once per message. */
export function createMessageReader(maxBytes: number): { push(chunk: Buffer): { messages: Buffer[] } | { error: string } } {
  let chunks: Buffer[] = [];
  let buffered = 0;
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
    chunks = all.length > n ? [all.subarray(n)] : [];
    buffered -= n;
    return all.subarray(0, n);
  };
  const peekHeader = (): Buffer => (chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks, buffered));
  return {
    push(chunk) {
      chunks.push(chunk);
      buffered += chunk.length;
      const messages: Buffer[] = [];
      while (buffered >= 5) {
        const header = peekHeader();
        if (header[0] !== 0) return { error: 'compressed gRPC messages are not supported (no grpc-encoding was offered)' };
        const length = header.readUInt32BE(1);
        if (length > maxBytes) return { error: `gRPC message of ${length} bytes exceeds the ${maxBytes}-byte limit` };
        if (buffered < 5 + length) break;
        messages.push(Buffer.from(take(5 + length).subarray(5)));
      }
      return { messages };
    },
  };
}

/** `grpc-message` is percent-encoded (PROTOCOL-HTTP2.md). */
function decodeGrpcMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** HTTP status → gRPC code for responses that are not gRPC (PROTOCOL-HTTP2.md, "HTTP to gRPC Status Code Mapping"). */
function httpStatusToGrpc(status: number): number {
  if (status === 400) return GRPC_STATUS.INTERNAL;
  if (status === 401) return GRPC_STATUS.UNAUTHENTICATED;
  if (status === 403) return GRPC_STATUS.PERMISSION_DENIED;
  if (status === 404) return GRPC_STATUS.UNIMPLEMENTED;
  if ([429, 502, 503, 504].includes(status)) return GRPC_STATUS.UNAVAILABLE;
  return GRPC_STATUS.UNKNOWN;
}

export { GRPC_STATUS, GrpcCallError, grpcStatusName };
