/** Starts an xDS server on loopback (127.0.42.1, port 0) with the WDS generators, for stream tests. */
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { createXdsServer, type XdsServer } from '../../src/control-plane/xds/server.js';
import type { XdsAuthenticate } from '../../src/control-plane/xds/client-info.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';
import { createAuthorizationGenerator } from '../../src/control-plane/translate/authorization/generator.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import type { ResourceGenerator } from '../../src/control-plane/xds/generator.js';

export const HOST = '127.0.42.1';

export interface Harness {
  readonly xds: XdsServer;
  readonly registry: Registry;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Token `bad` is rejected; anything else is node `node-a`. */
export const testAuth: XdsAuthenticate = (md) => {
  const auth = String(md.get('authorization')[0] ?? '');
  if (auth === 'Bearer bad') return { error: 'token rejected by test authenticator' };
  return { kind: 'node', node: 'node-a' };
};

export interface HarnessOptions {
  readonly debounceMs?: number;
  readonly port?: number;
  readonly maxConcurrentFullPushes?: number;
  readonly extraGenerators?: readonly ResourceGenerator[];
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const registry = new Registry();
  const xds = createXdsServer({
    generators: [createAddressGenerator(), createAuthorizationGenerator(), ...(opts.extraGenerators ?? [])],
    authenticate: testAuth,
    debounceMs: opts.debounceMs ?? 0,
    ...(opts.maxConcurrentFullPushes !== undefined ? { maxConcurrentFullPushes: opts.maxConcurrentFullPushes } : {}),
    registry,
    logger: silentLogger,
  });
  const server = new grpc.Server();
  xds.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${HOST}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    xds,
    registry,
    address: `${HOST}:${port}`,
    port,
    close: async () => {
      xds.close();
      server.forceShutdown();
    },
  };
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}
