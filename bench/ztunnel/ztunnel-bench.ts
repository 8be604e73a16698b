/**
 * ztunnel benchmark: the same load over (a) a direct connection, (b) an mTLS tunnel of two haproxy instances
 * (TLS 1.3, client certificates, one thread each), (c) two ztunnels (SOCKS5 → HBONE → plaintext), each in its own
 * process. Reports throughput (1 and 16 connections), new connections/s, p50/p99 latency of 1 KiB HTTP at 1,000
 * requests/s, and ztunnel RSS with 1,000 open connections.
 * Usage (root not needed; haproxy from Debian): npx tsc -p . && node dist/bench/ztunnel/ztunnel-bench.js [--quick]
 *   --static   bare ztunnel data path processes (pre-issued certificates, no control plane) instead of `ambit up`
 *   --rss      only the RSS measurement        --t1   throughput only, three samples each (iteration aid)
 *   --lat      latency only, three 10 s runs   --t16  eight 16-connection throughput samples (iteration aids)
 *   --cps      new connections/s only, three 4 s samples
 *   ZT_BENCH_LAT_DETAIL=1: latency percentiles up to max and every request slower than 3 ms (when in the run)
 *   --floor    latency only (as --lat) of every path plus three Node-only tunnels (`floor-proxy.ts`: TCP relay, mTLS,
 *              HTTP/2 CONNECT over mTLS), each with its processes' CPU per request: the cost of Node itself
 *   --only=ztunnel|haproxy   skip the other tunnel   env ZT_BENCH_PROF_DIR=dir: --cpu-prof the ztunnels;
 *   ZT_BENCH_NODE_FLAGS: more Node flags for them; ZT_BENCH_KEEP=1 keeps the temp dir (up.log)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeCa } from '../../test/ztunnel/support/fake-ca.js';
import { workload } from '../../test/ztunnel/support/mesh.js';
import { connectionRate, httpLatency, throughput, type Connector } from './measure.js';
import { LATENCY_WARMUP_MS, measureInterleaved } from './interleave.js';
import { ZTUNNEL_NODE_ARGS } from '../../src/cli/up-plan.js';
import type { NodeSpec } from './node-proc.js';

const NODE_A = '127.0.18.21';
const NODE_B = '127.0.18.22';
const CLIENT = '127.0.19.21';
const BACKEND = '127.0.19.22';
const HAPROXY_1 = '127.0.19.31';
const HAPROXY_2 = '127.0.19.32';
const CONTROL_PLANE = '127.0.18.1';
const PORTS = { sink: 9000, echo: 9001, oneShot: 9002, web: 8080 } as const;
const FLOOR_PORT = 18080;
const quick = process.argv.includes('--quick');
/** Node flags added to every ztunnel process (profiling, experiments), in both modes. */
const EXTRA_FLAGS = [...(process.env.ZT_BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ZT_BENCH_PROF_DIR}`] : []), ...(process.env.ZT_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
/** `--static` and `--floor` processes get the V8 flags `ambit up` gives ztunnels (`--default-heap`: none). */
const NODE_PROC_FLAGS = [...(process.argv.includes('--default-heap') ? [] : ZTUNNEL_NODE_ARGS), ...EXTRA_FLAGS];

const here = new URL('.', import.meta.url).pathname;
const children: ChildProcess[] = [];

function forkReady(script: string, args: string[]): Promise<ChildProcess> {
  const child = fork(join(here, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: script === 'node-proc.js' || script === 'floor-proxy.js' ? NODE_PROC_FLAGS : [] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

function socks(target: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: NODE_A, port: 15080, localAddress: CLIENT, noDelay: true });
    let buf = Buffer.alloc(0);
    s.once('connect', () => s.write(Buffer.concat([Buffer.from([5, 1, 0, 5, 1, 0, 1]), Buffer.from(target.split('.').map(Number)), Buffer.from([port >> 8, port & 255])])));
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 12) return;
      s.off('data', onData);
      s.pause();
      if (buf[3] !== 0) return reject(new Error(`SOCKS reply ${buf[3]}`));
      if (buf.length > 12) s.unshift(buf.subarray(12));
      resolve(s);
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

function tcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress: CLIENT, noDelay: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function startHaproxyPair(dir: string, ca: Awaited<ReturnType<typeof createFakeCa>>): Promise<void> {
  const issue = async (name: string): Promise<string> => {
    const { keyPem, chain } = await ca.fetch(`spiffe://cluster.local/ns/bench/sa/${name}`);
    const path = join(dir, `${name}.pem`);
    await writeFile(path, chain[0] + keyPem);
    return path;
  };
  await writeFile(join(dir, 'ca.pem'), ca.rootPem);
  const [clientPem, serverPem] = await Promise.all([issue('haproxy-client'), issue('haproxy-server')]);
  const head = 'global\n  maxconn 4000\n  nbthread 1\n  ssl-default-bind-options ssl-min-ver TLSv1.3\n  ssl-default-server-options ssl-min-ver TLSv1.3\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 120s\n  timeout server 120s\n';
  const one = Object.entries(PORTS).map(([n, p]) => `frontend f_${n}\n  bind ${HAPROXY_1}:${p + 10000}\n  default_backend b_${n}\nbackend b_${n}\n  server s ${HAPROXY_2}:${p + 20000} ssl crt ${clientPem} ca-file ${join(dir, 'ca.pem')} verify required\n`).join('');
  const two = Object.entries(PORTS).map(([n, p]) => `frontend f_${n}\n  bind ${HAPROXY_2}:${p + 20000} ssl crt ${serverPem} ca-file ${join(dir, 'ca.pem')} verify required\n  default_backend b_${n}\nbackend b_${n}\n  server s ${BACKEND}:${p}\n`).join('');
  for (const [name, cfg] of [['h1', head + one], ['h2', head + two]] as const) {
    await writeFile(join(dir, `${name}.cfg`), cfg);
    const child = spawn('haproxy', ['-db', '-f', join(dir, `${name}.cfg`)], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
  }
  await new Promise((r) => setTimeout(r, 500));
}

/** `--floor`: a pair of floor-proxy processes per mode on its own addresses; returns each mode's entry point. */
async function startFloorPairs(dir: string, ca: Awaited<ReturnType<typeof createFakeCa>>): Promise<Record<string, { connect: Connector; pids: number[] }>> {
  for (const name of ['floor-client', 'floor-server']) {
    const { keyPem, chain } = await ca.fetch(`spiffe://cluster.local/ns/bench/sa/${name}`);
    await writeFile(join(dir, `${name}.pem`), chain.join('') + keyPem);
  }
  const out: Record<string, { connect: Connector; pids: number[] }> = {};
  let host = 41;
  for (const mode of ['tcp', 'tls', 'h2']) {
    const [outer, inner] = [`127.0.19.${host++}`, `127.0.19.${host++}`];
    const server = await forkReady('floor-proxy.js', [mode, 'server', inner, String(FLOOR_PORT), BACKEND, String(PORTS.web), dir]);
    const client = await forkReady('floor-proxy.js', [mode, 'client', outer, String(FLOOR_PORT), inner, String(FLOOR_PORT), dir]);
    out[`node-${mode}`] = {
      connect: (p) => (p === 'web' ? tcp(outer, FLOOR_PORT) : Promise.reject(new Error(`--floor paths carry only the HTTP latency load, not ${p}`))),
      pids: [client.pid!, server.pid!],
    };
  }
  return out;
}

/** Static mode (`--static`): each ztunnel a bare data path with pre-issued certificates and no control plane. */
async function startStaticZtunnels(dir: string, ca: Awaited<ReturnType<typeof createFakeCa>>): Promise<number[]> {
  const wls = [workload({ name: 'client', namespace: 'bench', ip: CLIENT, node: 'za' }), workload({ name: 'backend', namespace: 'bench', ip: BACKEND, node: 'zb' })];
  const certs: NodeSpec['certs'] = {};
  for (const w of wls) {
    const issued = await ca.fetch(w.identity);
    certs[w.identity] = { keyPem: issued.keyPem, chain: [...issued.chain] };
  }
  const pids: number[] = [];
  for (const [node, address] of [['za', NODE_A], ['zb', NODE_B]] as const) {
    const spec: NodeSpec = { node, address, rootPem: ca.rootPem, nodes: { za: NODE_A, zb: NODE_B }, workloads: wls, certs };
    await writeFile(join(dir, `${node}.json`), JSON.stringify(spec));
    pids.push((await forkReady('node-proc.js', [join(dir, `${node}.json`)])).pid!);
  }
  return pids;
}

const MESH_YAML = `apiVersion: v1
kind: Namespace
metadata: { name: bench, labels: { istio.io/dataplane-mode: ambient } }
---
apiVersion: v1
kind: Node
metadata: { name: za }
status: { addresses: [{ type: InternalIP, address: ${NODE_A} }] }
---
apiVersion: v1
kind: Node
metadata: { name: zb }
status: { addresses: [{ type: InternalIP, address: ${NODE_B} }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: bench, labels: { app: client } }
spec: { nodeName: za, serviceAccountName: client }
status: { podIP: ${CLIENT} }
---
apiVersion: v1
kind: Pod
metadata: { name: backend, namespace: bench, labels: { app: backend } }
spec: { nodeName: zb, serviceAccountName: backend }
status: { podIP: ${BACKEND} }
`;

/** Pid of the `ambit ztunnel --node <node>` process (a child of `ambit up`). */
async function ztunnelPid(node: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').then((c) => c.split('\0'), (): string[] => []);
    const at = argv.indexOf('--node');
    if (argv.includes('ztunnel') && at > 0 && argv[at + 1] === node && argv.some((a) => a.endsWith('ambit.js'))) return Number(entry);
  }
  throw new Error(`no ambit ztunnel process for node ${node}`);
}

/**
 * Default mode: the product as users run it. `ambit up` (control plane in process, one `ambit ztunnel` child per
 * Node with the flags `ambit up` gives it) on a generated config directory; certificates come from its CA over
 * the real CSR flow and workloads over Delta ADS.
 */
async function startAmbitUp(dir: string): Promise<number[]> {
  const configDir = join(dir, 'config');
  await mkdir(configDir);
  await writeFile(join(configDir, 'mesh.yaml'), MESH_YAML);
  const repo = join(here, '../../..');
  const upLog = await open(join(dir, 'up.log'), 'w');
  const up = spawn(process.execPath, [join(repo, 'bin/ambit.js'), 'up', '--config-dir', configDir, '--state-dir', join(dir, 'state'), '--listen', CONTROL_PLANE, '--grpc-listen', CONTROL_PLANE, '--plaintext-port=-1'], {
    stdio: ['ignore', upLog.fd, upLog.fd],
    env: { ...process.env, AMBIT_ZTUNNEL_NODE_ARGS: EXTRA_FLAGS.join(' ') },
  });
  children.push(up);
  await upLog.close(); // the child has its own copy of the descriptor
  const deadline = Date.now() + 30_000;
  for (const node of [NODE_A, NODE_B]) {
    for (;;) {
      if (up.exitCode !== null) throw new Error(`ambit up exited ${up.exitCode}:\n${await readFile(join(dir, 'up.log'), 'utf8')}`);
      if (await fetch(`http://${node}:15021/healthz/ready`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`ztunnel on ${node} not ready after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return [await ztunnelPid('za'), await ztunnelPid('zb')];
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Starts metering the CPU time of `pids`; the returned function gives each one's ms used since. */
async function cpuMeter(pids: number[]): Promise<() => Promise<number[]>> {
  const before = await Promise.all(pids.map(cpuMs));
  return async () => (await Promise.all(pids.map(cpuMs))).map((c, i) => c - before[i]!);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-zt-bench-'));
  const ca = await createFakeCa('bench-ca');
  try {
    await forkReady('backend.js', [BACKEND]);
    await startHaproxyPair(dir, ca);
    const [za, zb] = process.argv.includes('--static') ? await startStaticZtunnels(dir, ca) : await startAmbitUp(dir);
    const proxyPids: Record<string, number[]> = { direct: [], haproxy: children.filter((c) => c.spawnfile === 'haproxy').map((c) => c.pid!), ztunnel: [za!, zb!] };
    const paths: Record<string, Connector> = {
      direct: (p) => tcp(BACKEND, PORTS[p]),
      haproxy: (p) => tcp(HAPROXY_1, PORTS[p] + 10000),
      ztunnel: (p) => socks(BACKEND, PORTS[p]),
    };
    const floor = process.argv.includes('--floor');
    for (const [name, pair] of Object.entries(floor ? await startFloorPairs(dir, ca) : {})) {
      paths[name] = pair.connect;
      proxyPids[name] = pair.pids;
    }
    // RSS first, on fresh processes: with 1,000 open connections through the ztunnels.
    const before = [await rssMiB(za!), await rssMiB(zb!)];
    const open: net.Socket[] = [];
    const iteration = ['--lat', '--t1', '--t16', '--cps', '--floor'].some((f) => process.argv.includes(f));
    for (let i = 0; i < (iteration ? 0 : 1000); i += 100) open.push(...(await Promise.all(Array.from({ length: 100 }, () => socks(BACKEND, PORTS.echo)))));
    if (open.length) await new Promise((r) => setTimeout(r, 1000));
    const withConns = [await rssMiB(za!), await rssMiB(zb!)];
    for (const s of open) s.destroy();
    if (process.argv.includes('--rss')) {
      console.log(`ztunnel RSS (MiB) idle → with 1,000 open connections: source ${before[0]!.toFixed(1)} → ${withConns[0]!.toFixed(1)}, destination ${before[1]!.toFixed(1)} → ${withConns[1]!.toFixed(1)}`);
      return;
    }
    const mib = 1024 * 1024;
    const bulk = quick ? 128 * mib : 1024 * mib;
    const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
    for (const [name, connect] of Object.entries(paths)) {
      if (!iteration) break;
      if (only && name !== only && name !== 'direct') continue;
      await httpLatency(connect, 1000, LATENCY_WARMUP_MS);
      if (process.argv.includes('--lat') || floor) {
        // Iteration aid: the latency measurement alone, three times.
        const runs = [];
        const cpuUsed = await cpuMeter(proxyPids[name]!);
        for (let i = 0; i < 3; i++) {
          const l = await httpLatency(connect, 1000, 10_000);
          runs.push(`${l.p50.toFixed(3)}/${l.p99.toFixed(3)}`);
        }
        const perRequest = (await cpuUsed()).map((ms) => ((ms * 1000) / 30_000).toFixed(1));
        console.log(name, 'p50/p99 ms', runs.join(' '), perRequest.length ? `proxy CPU µs/request ${perRequest.join(' + ')}` : '');
        continue;
      }
      if (process.argv.includes('--cps')) {
        const rates = [];
        for (let i = 0; i < 3; i++) rates.push((await connectionRate(connect, 16, 4000)).toFixed(0));
        console.log(name, 'new conns/s', rates.join(' '));
        continue;
      }
      // Iteration aids: --t1 throughput only, three samples each; --t16 eight 16-connection samples.
      // Also the proxies' CPU time per GiB moved (less noisy than Gbit/s on a VM whose speed drifts).
      const cpuUsed = await cpuMeter(proxyPids[name]!);
      let moved = 0;
      const ts = [];
      for (let i = 0; i < (process.argv.includes('--t16') ? 0 : 3); i++, moved += bulk) ts.push((await throughput(connect, 1, bulk)).toFixed(2));
      const t16s = [];
      for (let i = 0; i < (process.argv.includes('--t16') ? 8 : 3); i++, moved += bulk) t16s.push((await throughput(connect, 16, bulk / 16)).toFixed(2));
      const perGiB = (await cpuUsed()).map((ms) => (ms / (moved / 2 ** 30)).toFixed(0));
      console.log(name, 't1', ts.join(' '), 't16', t16s.join(' '), perGiB.length ? `proxy CPU ms/GiB ${perGiB.join(' + ')}` : '');
    }
    if (iteration) return;
    const measured = Object.fromEntries(Object.entries(paths).filter(([name]) => !only || name === only || name === 'direct'));
    const results = await measureInterleaved(measured, {
      bulkBytes: bulk,
      throughputRounds: quick ? 3 : 5,
      latencyRounds: quick ? 1 : 3,
      latencyMs: quick ? 3000 : 10_000,
      cpsMs: quick ? 1500 : 4000,
      log: (line) => console.error(line),
    });
    const d = results.direct!;
    const rows: string[] = [];
    for (const [name, r] of Object.entries(results)) {
      const add = (k: 'p50' | 'p99'): string => (name === 'direct' ? '–' : (r[k] - d[k]).toFixed(3));
      rows.push(`| ${name} | ${r.t1.toFixed(2)} | ${r.t16.toFixed(2)} | ${r.cps.toFixed(0)} | ${r.p50.toFixed(3)} / ${r.p99.toFixed(3)} | ${add('p50')} / ${add('p99')} |`);
    }
    const h = results.haproxy;
    const z = results.ztunnel;
    if (h && z) {
      const ratios = (k: 't1' | 't16'): string => z.samples[k].map((x, i) => (x / h.samples[k][i]!).toFixed(2)).join(' ');
      console.log(`ztunnel / haproxy per round: 1 conn ${ratios('t1')}; 16 conns ${ratios('t16')}`);
      console.log(`ratio of medians: 1 conn ${(z.t1 / h.t1).toFixed(2)}x, 16 conns ${(z.t16 / h.t16).toFixed(2)}x, new conns/s ${(z.cps / h.cps).toFixed(2)}x`);
    }
    console.log('| path | throughput 1 conn (Gbit/s) | throughput 16 conns (Gbit/s) | new conns/s (16 parallel) | HTTP 1 KiB @1000 rps p50 / p99 (ms) | added p50 / p99 vs direct (ms) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`\nztunnel RSS (MiB) idle → with 1,000 open connections: source ${before[0]!.toFixed(1)} → ${withConns[0]!.toFixed(1)}, destination ${before[1]!.toFixed(1)} → ${withConns[1]!.toFixed(1)}`);
  } finally {
    for (const c of children) c.kill();
    await ca.close();
    if (process.env.ZT_BENCH_KEEP) console.log('kept', dir);
    else await rm(dir, { recursive: true, force: true });
  }
}

// Children (backend, haproxy, ambit up) must not outlive an interrupted run: they hold the benchmark's addresses.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill();
    process.exit(130);
  });
}
await main();
