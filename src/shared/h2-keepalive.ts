/**
 * HTTP/2 keepalive for client sessions that must notice a dead peer: a PING every `intervalMs`; a PING not
 * acknowledged within `timeoutMs` destroys the session, so its streams fail and their owners reconnect. Without it a
 * peer that vanished without a FIN or RST (node lost, network partition, black-holing middlebox) leaves the session,
 * and every stream on it, waiting forever. Timers are unref'd: keepalive never holds a process open.
 */
import type { Http2Session } from 'node:http2';

export interface KeepaliveOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Names the session in the error it is destroyed with, e.g. `HBONE` or `gRPC 127.0.0.1:15012`. */
  readonly label: string;
  /**
   * Pings only while this returns true. gRPC servers count a PING on a connection without calls as abuse unless
   * they permit it (grpc-go's `PermitWithoutStream`, off in istiod) and answer repeated ones with GOAWAY.
   */
  readonly while?: () => boolean;
}

export function keepSessionAlive(session: Http2Session, opts: KeepaliveOptions): void {
  const interval = setInterval(() => {
    // 'close' (which clears this interval) comes a tick after destroy(); ping() on a destroyed session throws.
    if (session.destroyed || session.closed) return clearInterval(interval);
    if (opts.while && !opts.while()) return;
    const deadline = setTimeout(() => session.destroy(new Error(`${opts.label} keepalive: no PING ack within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    deadline.unref();
    if (!session.ping((err) => (err ? undefined : clearTimeout(deadline)))) clearTimeout(deadline);
  }, opts.intervalMs);
  interval.unref();
  session.once('close', () => clearInterval(interval));
}
