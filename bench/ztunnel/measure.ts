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

/**
 * Open-loop HTTP/1.1 GETs of a 1 KiB body at `rps` over keep-alive connections; latency percentiles in ms.
 * The generator allocates almost nothing per request (a preallocated sample array, no retained promises, responses
 * counted rather than joined): it shares two vCPUs with the proxies, and its own garbage collections, run with
 * V8's helper threads on both vCPUs, stalled every path for 3-8 ms a few times a second (`perf sched timehist`).
 */
export async function httpLatency(connect: Connector, rps: number, ms: number, poolSize = 32): Promise<{ p50: number; p99: number; count: number }> {
  const idle: HttpConn[] = [];
  const total = Math.floor((ms / 1000) * rps);
  const latencies = new Float64Array(total);
  let done = 0;
  let backlog = 0;
  let finished: (() => void) | undefined;
  const detail = Boolean(process.env.ZT_BENCH_LAT_DETAIL);
  const start = performance.now();
  const complete = (c: HttpConn, sentAt: number): void => {
    const took = performance.now() - sentAt;
    latencies[done++] = took;
    if (detail && took > 3) console.error('slow', (sentAt - start).toFixed(0), took.toFixed(1));
    idle.push(c);
    dispatch();
    if (done === total) finished?.();
  };
  const dispatch = (): void => {
    while (backlog > 0 && idle.length > 0) {
      backlog--;
      // Measured from the write, so timer jitter of the generator is not counted; the pool is large enough that
      // requests do not queue at 1,000/s.
      idle.pop()!.get(performance.now());
    }
  };
  for (let i = 0; i < poolSize; i++) idle.push(new HttpConn(await connect('web'), complete));
  const interval = 1000 / rps;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    backlog++;
    dispatch();
  }
  if (done < total) await new Promise<void>((r) => (finished = r));
  for (const c of idle) c.close();
  latencies.sort();
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  if (detail) console.error('latency ms p50/p90/p95/p99/p99.9/max', [0.5, 0.9, 0.95, 0.99, 0.999].map((p) => q(p).toFixed(3)).join(' '), latencies[latencies.length - 1]!.toFixed(2));
  return { p50: q(0.5), p99: q(0.99), count: total };
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive HTTP/1.1 connection with one request in flight; the response body is exactly 1 KiB. */
class HttpConn {
  private static readonly request = Buffer.from('GET / HTTP/1.1\r\nHost: web\r\n\r\n');
  /** Header bytes matched so far (of HEADER_END), then body bytes still due; -1 when idle. */
  private headerMatched = 0;
  private bodyLeft = -1;
  private sentAt = 0;
  constructor(
    private readonly socket: net.Socket,
    private readonly done: (c: HttpConn, sentAt: number) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.consume(d));
    socket.resume();
  }
  private consume(d: Buffer): void {
    let i = 0;
    while (i < d.length && this.bodyLeft < 0) {
      // Still in the header: scan for CRLFCRLF across chunk boundaries.
      const byte = d[i++];
      this.headerMatched = byte === HEADER_END[this.headerMatched] ? this.headerMatched + 1 : byte === 13 ? 1 : 0;
      if (this.headerMatched === 4) this.bodyLeft = 1024;
    }
    if (this.bodyLeft < 0) return;
    this.bodyLeft -= d.length - i;
    if (this.bodyLeft <= 0) {
      this.bodyLeft = -1;
      this.headerMatched = 0;
      this.done(this, this.sentAt);
    }
  }
  get(sentAt: number): void {
    this.sentAt = sentAt;
    this.socket.write(HttpConn.request);
  }
  close(): void {
    this.socket.destroy();
  }
}
