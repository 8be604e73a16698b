/**
 * xDS benchmark (issue #3): 10,000 pods, 1,000 services, 100 Delta ADS clients on loopback.
 * Measures the initial full push to all clients, the time from one pod change until every client has ACKed it, and
 * the control plane's RSS. The control plane runs in a child process; the clients share this one.
 *
 *   node dist/bench/xds/xds-bench.js [--pods 10000] [--services 1000] [--clients 100] [--changes 20] [--debounce-ms 0]
 *     [--max-full-pushes 10]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { benchClient, type BenchClient } from './bench-client.js';
import { runBenchServer } from './bench-server.js';

const HOST = '127.0.42.1';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const opts = {
  pods: flag('pods', 10_000),
  services: flag('services', 1_000),
  clients: flag('clients', 100),
  changes: flag('changes', 20),
  debounceMs: flag('debounce-ms', 0),
  maxConcurrentFullPushes: flag('max-full-pushes', 10),
  host: HOST,
};

function nextMessage<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }): void => {
      if (m.cmd !== cmd) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'server', ...process.argv.slice(2)], { stdio: 'inherit' });
  const { port, buildMs } = await nextMessage<{ port: number; buildMs: number }>(child, 'ready');
  const address = `${HOST}:${port}`;
  const expected = opts.pods + opts.services;
  let fullyReceived = 0;
  let firstFullMs = 0;
  let t0 = 0;
  let doneInitial: () => void = () => undefined;
  const initialDone = new Promise<void>((r) => (doneInitial = r));
  const clients: BenchClient[] = [];
  for (let i = 0; i < opts.clients; i++) {
    let got = 0;
    clients.push(
      benchClient(address, `ztunnel~127.0.42.${100 + (i % 100)}~ztunnel-${i}.istio-system~istio-system.svc.cluster.local`, (res) => {
        if (res.typeUrl !== TYPE_URLS.address) return;
        got += res.resources;
        if (got >= expected && got - res.resources < expected) {
          if (fullyReceived === 0) firstFullMs = performance.now() - t0;
          if (++fullyReceived === opts.clients) doneInitial();
        }
      }),
    );
  }
  t0 = performance.now();
  for (const c of clients) c.subscribe([TYPE_URLS.address, TYPE_URLS.authorization]);
  await initialDone;
  const initialMs = performance.now() - t0;
  const afterInitial = await rss(child);

  const samples: number[] = [];
  for (let i = 0; i < opts.changes; i++) {
    const acked = nextMessage<{ ms: number }>(child, 'acked');
    child.send({ cmd: 'change', pod: (i * 7919) % opts.pods });
    samples.push((await acked).ms);
  }
  samples.sort((a, b) => a - b);
  const end = await rss(child);
  child.send({ cmd: 'exit' });
  for (const c of clients) c.close();
  const mb = (b: number): string => (b / 1024 / 1024).toFixed(0);
  console.log(JSON.stringify({
    machine: `${cpus().length}x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    ...opts,
    meshBuildAndFirstPushSchedulingMs: Number(buildMs.toFixed(1)),
    initialPushFirstClientMs: Number(firstFullMs.toFixed(0)),
    initialPushAllClientsMs: Number(initialMs.toFixed(0)),
    podChangeAckedByAllMs: { p50: Number(pct(samples, 50).toFixed(1)), p95: Number(pct(samples, 95).toFixed(1)), max: Number(samples.at(-1)!.toFixed(1)) },
    controlPlaneRssMB: { afterInitialPush: mb(afterInitial.rssBytes), afterChanges: mb(end.rssBytes), peak: mb(end.maxRssBytes) },
  }, null, 2));
  process.exit(0);
}

async function rss(child: ChildProcess): Promise<{ rssBytes: number; maxRssBytes: number }> {
  const p = nextMessage<{ rssBytes: number; maxRssBytes: number }>(child, 'rss');
  child.send({ cmd: 'rss' });
  return p;
}

if (process.argv.includes('--role')) void runBenchServer(opts);
else void main();
