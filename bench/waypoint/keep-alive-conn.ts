/**
 * One HTTP/1.1 keep-alive connection through the source ztunnel's SOCKS5 port for the waypoint benchmark: requests are
 * queued and sent one at a time (no pipelining, as Istio's fortio-based latency harness does with its 4 client
 * connections); each resolves with the status once its whole `content-length` body has arrived.
 */
import type net from 'node:net';
import { socks5Connect } from '../../test/support/socks5.js';

interface Pending {
  readonly request: string;
  readonly resolve: (status: number) => void;
  readonly reject: (err: Error) => void;
}

export interface KeepAliveConn {
  /** Queues one request (full HTTP/1.1 text); resolves with the response status. */
  send(request: string): Promise<number>;
  close(): void;
}

export async function openKeepAliveConn(proxy: { host: string; port: number }, target: { host: string; port: number }, localAddress: string): Promise<KeepAliveConn> {
  const { reply, socket } = await socks5Connect(proxy, target, localAddress);
  if (reply !== 0) {
    socket.destroy();
    throw new Error(`SOCKS5 reply ${reply}`);
  }
  const queue: Pending[] = [];
  let raw = '';
  let failed: Error | undefined;
  const fail = (err: Error): void => {
    failed ??= err;
    for (const p of queue.splice(0)) p.reject(failed);
  };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    raw += d;
    for (;;) {
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return;
      const head = raw.slice(0, split);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(len)) return fail(new Error(`response without content-length: ${head.slice(0, 80)}`));
      if (raw.length - split - 4 < len) return;
      raw = raw.slice(split + 4 + len);
      const done = queue.shift();
      done?.resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]));
      if (queue[0]) (socket as net.Socket).write(queue[0].request);
    }
  });
  socket.on('error', (e) => fail(e));
  socket.on('close', () => fail(new Error('keep-alive connection closed')));
  return {
    send: (request) =>
      new Promise<number>((resolve, reject) => {
        if (failed) return reject(failed);
        queue.push({ request, resolve, reject });
        if (queue.length === 1) socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}
