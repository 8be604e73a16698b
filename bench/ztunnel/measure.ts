/** Load generators for the ztunnel benchmark: bulk throughput, new connections per second, open-loop HTTP latency. */
import type * as net from 'node:net';

export type Connector = (port: 'sink' | 'echo' | 'oneShot' | 'web') => Promise<net.Socket>;

/** Sends `bytesPerConn` on each of `conns` connections to the sink; returns Gbit/s (all bytes acknowledged by count). */
export async function throughput(connect: Connector, conns: number, bytesPerConn: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 1);
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      const s = await connect('sink');
      const counted = new Promise<number>((resolve, reject) => {
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.once('end', () => resolve(Number(Buffer.concat(parts).readBigUInt64BE(0))));
        s.once('error', reject);
      });
      s.resume();
      let sent = 0;
      while (sent < bytesPerConn) {
        const n = Math.min(chunk.length, bytesPerConn - sent);
        sent += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await new Promise((r) => s.once('drain', r));
      }
      s.end();
      const got = await counted;
      if (got !== bytesPerConn) throw new Error(`sink counted ${got} of ${bytesPerConn} bytes`);
      s.destroy();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (conns * bytesPerConn * 8) / seconds / 1e9;
}

/** New connections per second: `parallel` loops of connect → 1-byte echo → server closes, for `ms`. */
export async function connectionRate(connect: Connector, parallel: number, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < end) {
        const s = await connect('oneShot');
        await new Promise<void>((resolve, reject) => {
          s.once('end', () => resolve());
          s.once('error', reject);
          s.resume();
          s.write('x');
        });
        s.destroy();
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** Open-loop HTTP/1.1 GETs of a 1 KiB body at `rps` over keep-alive connections; latency percentiles in ms. */
export async function httpLatency(connect: Connector, rps: number, ms: number, poolSize = 32): Promise<{ p50: number; p99: number; count: number }> {
  const idle: HttpConn[] = [];
  for (let i = 0; i < poolSize; i++) idle.push(new HttpConn(await connect('web')));
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / rps;
  const start = performance.now();
  const total = Math.floor((ms / 1000) * rps);
  const backlog: number[] = [];
  const dispatch = (): void => {
    while (backlog.length > 0 && idle.length > 0) {
      backlog.shift();
      const c = idle.pop()!;
      // Measured from the write, so timer jitter of the generator is not counted; the pool is large enough that
      // requests do not queue at 1,000/s.
      const sentAt = performance.now();
      pending.push(c.get().then(() => {
        latencies.push(performance.now() - sentAt);
        if (process.env.ZT_BENCH_LAT_DETAIL && performance.now() - sentAt > 3) console.error("slow", (sentAt - start).toFixed(0), (performance.now() - sentAt).toFixed(1));
        idle.push(c);
        dispatch();
      }));
    }
  };
  for (let i = 0; i < total; i++) {
    const at = start + i * interval;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    backlog.push(at);
    dispatch();
  }
  while (latencies.length < total) await new Promise((r) => setTimeout(r, 5));
  await Promise.all(pending);
  for (const c of idle) c.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  if (process.env.ZT_BENCH_LAT_DETAIL) console.error("latency ms p50/p90/p95/p99/p99.9/max", [0.5, 0.9, 0.95, 0.99, 0.999].map((p) => q(p).toFixed(3)).join(" "), latencies[latencies.length - 1]!.toFixed(2));
  return { p50: q(0.5), p99: q(0.99), count: latencies.length };
}

/** One keep-alive HTTP/1.1 connection with one request in flight; the response body is exactly 1 KiB. */
class HttpConn {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd >= 0 && this.buf.length >= headerEnd + 4 + 1024) {
        this.buf = this.buf.subarray(headerEnd + 4 + 1024);
        const w = this.waiter;
        this.waiter = undefined;
        w?.();
      }
    });
    socket.resume();
  }
  get(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write('GET / HTTP/1.1\r\nHost: web\r\n\r\n');
    });
  }
  close(): void {
    this.socket.destroy();
  }
}
