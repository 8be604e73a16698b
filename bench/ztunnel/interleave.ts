/**
 * Runs every measurement in rounds that visit each path in turn (direct, haproxy, ztunnel, direct, …) and reports
 * per-path medians. This VM's speed drifts by tens of percent over a minute, so measuring one path's samples in a
 * block and then the next path's would mostly compare moments, not paths; interleaving exposes every path to the
 * same drift, and the per-round ratios show how stable a comparison is.
 */
import { connectionRate, httpLatency, throughput, type Connector } from './measure.js';

export interface PathResult {
  readonly t1: number;
  readonly t16: number;
  readonly cps: number;
  readonly p50: number;
  readonly p99: number;
  /** Every sample, for the log. */
  readonly samples: { t1: number[]; t16: number[]; cps: number[]; p50: number[]; p99: number[] };
}

export interface InterleaveOptions {
  readonly bulkBytes: number;
  readonly throughputRounds: number;
  /** Rounds of the latency and of the new-connections measurement. */
  readonly latencyRounds: number;
  readonly latencyMs: number;
  readonly cpsMs: number;
  readonly log: (line: string) => void;
}

/**
 * Latency warm-up per path at the measured rate. With 1 s the first 10 s round of the ztunnel pair read p99 2-3 ms and
 * the next rounds 0.7-1.4 ms (JIT tiering of the small-message path); the target is the steady state.
 */
export const LATENCY_WARMUP_MS = 5000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function measureInterleaved(paths: Record<string, Connector>, opts: InterleaveOptions): Promise<Record<string, PathResult>> {
  const names = Object.keys(paths);
  const samples = Object.fromEntries(names.map((n) => [n, { t1: [] as number[], t16: [] as number[], cps: [] as number[], p50: [] as number[], p99: [] as number[] }]));
  // Untimed warm-up of every path: JIT, buffer pools, pooled connections' TCP windows.
  for (const n of names) {
    await httpLatency(paths[n]!, 1000, LATENCY_WARMUP_MS);
    await throughput(paths[n]!, 1, opts.bulkBytes / 4);
    await throughput(paths[n]!, 16, opts.bulkBytes / 64);
    await connectionRate(paths[n]!, 16, 1000);
  }
  for (const [key, conns] of [['t1', 1], ['t16', 16]] as const) {
    for (let r = 0; r < opts.throughputRounds; r++) {
      for (const n of names) samples[n]![key].push(await throughput(paths[n]!, conns, opts.bulkBytes / conns));
      opts.log(`throughput ${conns} conn(s) round ${r + 1}, Gbit/s: ${names.map((n) => `${n} ${samples[n]![key].at(-1)!.toFixed(2)}`).join(', ')}`);
    }
  }
  for (let r = 0; r < opts.latencyRounds; r++) {
    for (const n of names) samples[n]!.cps.push(await connectionRate(paths[n]!, 16, opts.cpsMs));
    opts.log(`new connections/s round ${r + 1}: ${names.map((n) => `${n} ${samples[n]!.cps.at(-1)!.toFixed(0)}`).join(', ')}`);
  }
  for (let r = 0; r < opts.latencyRounds; r++) {
    for (const n of names) {
      const l = await httpLatency(paths[n]!, 1000, opts.latencyMs);
      samples[n]!.p50.push(l.p50);
      samples[n]!.p99.push(l.p99);
    }
    opts.log(`latency round ${r + 1}, p50 / p99 ms: ${names.map((n) => `${n} ${samples[n]!.p50.at(-1)!.toFixed(3)} / ${samples[n]!.p99.at(-1)!.toFixed(3)}`).join(', ')}`);
  }
  return Object.fromEntries(
    names.map((n) => {
      const s = samples[n]!;
      return [n, { t1: median(s.t1), t16: median(s.t16), cps: median(s.cps), p50: median(s.p50), p99: median(s.p99), samples: s }];
    }),
  );
}
