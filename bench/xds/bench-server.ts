/**
 * The control-plane side of the xDS benchmark, run in its own process so its RSS and CPU are measured alone.
 * Talks to the parent over IPC: `change` → apply one pod change and report when every client has ACKed it.
 */
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createXdsServer } from '../../src/control-plane/xds/server.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';
import { createAuthorizationGenerator } from '../../src/control-plane/translate/authorization/generator.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import type { MeshSnapshot, Workload } from '../../src/shared/model/mesh.js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { largeMesh } from '../../test/xds/mesh-factory.js';

type Msg = { cmd: 'change'; pod: number } | { cmd: 'rss' } | { cmd: 'exit' };

interface DebugView {
  clients: { types: { typeUrl: string; lastAckedVersion: string | null }[] }[];
}

export async function runBenchServer(opts: {
  pods: number;
  services: number;
  clients: number;
  debounceMs: number;
  maxConcurrentFullPushes: number;
  host: string;
}): Promise<void> {
  const send = (m: unknown): void => void process.send!(m);
  const xds = createXdsServer({
    generators: [createAddressGenerator(), createAuthorizationGenerator()],
    authenticate: () => ({ kind: 'local-debug' }),
    debounceMs: opts.debounceMs,
    maxConcurrentFullPushes: opts.maxConcurrentFullPushes,
    registry: new Registry(),
    logger: silentLogger,
  });
  const server = new grpc.Server({ 'grpc.max_send_message_length': 200 * 1024 * 1024 });
  xds.register(server);
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync(`${opts.host}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  const buildStart = performance.now();
  let mesh: MeshSnapshot = largeMesh(opts.pods, opts.services);
  xds.update(mesh);
  const buildMs = performance.now() - buildStart;

  const allAcked = (version: string): boolean => {
    const d = xds.debug() as DebugView;
    if (d.clients.length < opts.clients) return false;
    return d.clients.every((c) => c.types.find((t) => t.typeUrl === TYPE_URLS.address)?.lastAckedVersion === version);
  };
  const waitAcked = (version: string, start: number): void => {
    const poll = (): void => {
      if (allAcked(version)) send({ cmd: 'acked', version, ms: performance.now() - start });
      else setImmediate(poll);
    };
    poll();
  };

  process.on('message', (m: Msg) => {
    if (m.cmd === 'change') {
      const uid = `Kubernetes//Pod/default/pod-${m.pod}`;
      const old = mesh.workloads.get(uid)!;
      const workloads = new Map(mesh.workloads);
      const changed: Workload = { ...old, healthy: !old.healthy };
      workloads.set(uid, changed);
      mesh = { ...mesh, version: mesh.version + 1, workloads };
      const start = performance.now();
      xds.update(mesh);
      waitAcked(String(mesh.version), start);
    } else if (m.cmd === 'rss') {
      send({ cmd: 'rss', rssBytes: process.memoryUsage().rss, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
    } else {
      xds.close();
      server.forceShutdown();
      process.exit(0);
    }
  });
  send({ cmd: 'ready', port, buildMs });
}
