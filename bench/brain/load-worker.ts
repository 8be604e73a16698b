/**
 * Open-loop gRPC load generator for the Check benchmark, run in a worker thread so the client does not share the
 * server's event loop. Sends `rate` requests per second for `durationMs`, spread over 1 ms ticks, and reports every
 * request's round-trip latency (ms).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import { loadGrpcPackage } from '../../src/shared/proto/load.js';

interface Job {
  readonly target: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly request: unknown;
}

type Client = grpc.Client & { Check(req: unknown, cb: (err: grpc.ServiceError | null) => void): void };

async function run(job: Job): Promise<{ latenciesMs: number[]; errors: number; sent: number; elapsedMs: number }> {
  const pkg = loadGrpcPackage(['envoy/service/auth/v3/external_auth.proto']) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: new (t: string, c: grpc.ChannelCredentials) => Client } } } };
  };
  const client = new pkg.envoy.service.auth.v3.Authorization(job.target, grpc.credentials.createInsecure());
  await new Promise<void>((res, rej) => client.waitForReady(Date.now() + 5000, (e) => (e ? rej(e) : res())));
  const latenciesMs: number[] = [];
  let errors = 0;
  let sent = 0;
  let inflight = 0;
  const start = performance.now();
  const one = () => {
    const t0 = performance.now();
    sent++;
    inflight++;
    client.Check(job.request, (err) => {
      inflight--;
      if (err) errors++;
      else latenciesMs.push(performance.now() - t0);
    });
  };
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed * job.rate) / 1000), Math.floor((job.durationMs * job.rate) / 1000));
      while (sent < due) one();
      if (elapsed >= job.durationMs) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
  client.close();
  return { latenciesMs, errors, sent, elapsedMs: performance.now() - start };
}

run(workerData as Job).then(
  (r) => parentPort?.postMessage(r),
  (e: unknown) => parentPort?.postMessage({ error: String(e) }),
);
