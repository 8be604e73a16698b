/**
 * Check benchmark: the brain's ext_authz handler against a no-op handler on the same gRPC server code, in the same
 * run, with 10 and 10,000 unrelated policies in the mesh (policies for other services; the request's service has 5).
 * For each, an open-loop client (worker thread) drives 1,000 and 5,000 rps; we report server-side handler time
 * (hrtime around the handler) and client round-trip latency.
 *
 * Usage: node dist/bench/brain/check-bench.js [durationSeconds=5]
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { AuthzPolicyInput } from '../../src/shared/authz/index.js';
import { createBrainGrpcServer } from '../../src/waypoint/brain/grpc-server.js';
import { createCheckHandler, type CheckHandler } from '../../src/waypoint/brain/authz-service.js';
import { createBrainMetrics } from '../../src/waypoint/brain/metrics.js';
import { createPolicyStore } from '../../src/waypoint/brain/policy-store.js';
import { createProcessHandler } from '../../src/waypoint/brain/ext-proc-service.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { benchRequest, relevantPolicies, unrelatedPolicies, SERVICE } from './fixtures.js';

const HOST = '127.0.30.7';

interface Stats {
  mean: number;
  p50: number;
  p99: number;
  max: number;
  n: number;
}
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN, n: s.length };
}

function timed(h: CheckHandler, sink: number[]): CheckHandler {
  return {
    check(msg) {
      const t0 = process.hrtime.bigint();
      const r = h.check(msg);
      sink.push(Number(process.hrtime.bigint() - t0) / 1e6);
      return r;
    },
  };
}

function brainHandler(unrelated: number): CheckHandler {
  const store = createPolicyStore();
  const policies: AuthzPolicyInput[] = [...relevantPolicies(), ...unrelatedPolicies(unrelated)];
  store.set({ policies, requestAuthentications: [], stickyRoutes: [] });
  return createCheckHandler({ store, jwks: () => undefined, metrics: createBrainMetrics(new Registry()), logger: silentLogger });
}

const noopHandler: CheckHandler = { check: () => ({ status: { code: 0 }, ok_response: { response_headers_to_add: [] } }) };

function load(target: string, rate: number, durationMs: number): Promise<{ latenciesMs: number[]; errors: number; sent: number }> {
  const worker = new Worker(fileURLToPath(new URL('./load-worker.js', import.meta.url)), { workerData: { target, rate, durationMs, request: benchRequest() } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { error?: string; latenciesMs: number[]; errors: number; sent: number }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
}

async function measure(label: string, handler: CheckHandler, rate: number, durationMs: number): Promise<string> {
  const handlerMs: number[] = [];
  const metrics = createBrainMetrics(new Registry());
  const server = createBrainGrpcServer({
    check: timed(handler, handlerMs),
    process: createProcessHandler({ store: createPolicyStore(), metrics, logger: silentLogger }) as never,
    streamAccessLogs: ((_c: unknown, cb: (e: null, r: object) => void) => cb(null, {})) as never,
  });
  const port = await server.listen(`${HOST}:0`);
  // Warm up (JIT, connection) before measuring.
  await load(`${HOST}:${port}`, 1000, 2000);
  handlerMs.length = 0;
  const r = await load(`${HOST}:${port}`, rate, durationMs);
  await server.close();
  const h = stats(handlerMs);
  const c = stats(r.latenciesMs);
  const f = (x: number) => x.toFixed(3);
  return `| ${label} | ${rate} | ${r.sent} | ${r.errors} | ${f(h.mean)} | ${f(h.p50)} | ${f(h.p99)} | ${f(c.mean)} | ${f(c.p50)} | ${f(c.p99)} |`;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rows: string[] = [];
  for (const unrelated of [10, 10_000]) {
    const brain = brainHandler(unrelated);
    const probe = brain.check(benchRequest() as never);
    if (probe.status.code !== 0) throw new Error(`bench request should be allowed, got ${JSON.stringify(probe)}`);
    for (const rate of [1000, 5000]) {
      rows.push(await measure(`no-op handler`, noopHandler, rate, seconds * 1000));
      rows.push(await measure(`brain, ${unrelated} unrelated policies`, brain, rate, seconds * 1000));
    }
  }
  console.log(`Check benchmark (${seconds}s per row, service ${SERVICE}, node ${process.version})`);
  console.log('| handler | rps | sent | errors | handler mean ms | handler p50 ms | handler p99 ms | RTT mean ms | RTT p50 ms | RTT p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
