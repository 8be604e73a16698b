/**
 * A real waypoint for tests: mesh CA, the control plane's xDS server (TLS, token auth) serving our waypoint
 * generators, and Envoy started by the launcher. `waitAcked()` fails with Envoy's own message on any NACK.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadOrCreateCa, type CertificateAuthority } from '../../../src/control-plane/ca/index.js';
import { createWaypointGenerators, createWaypointSecretStore, type WaypointGenerators, type WaypointSecretStore } from '../../../src/control-plane/translate/envoy/index.js';
import { createXdsServer, type XdsServer } from '../../../src/control-plane/xds/server.js';
import { TYPE_URLS } from '../../../src/shared/constants.js';
import type { MeshSnapshot } from '../../../src/shared/model/mesh.js';
import { silentLogger, type Logger } from '../../../src/shared/telemetry/logger.js';
import { createWaypointEnvoy, type WaypointEnvoy } from '../../../src/waypoint/envoy/index.js';

export interface WaypointEnv {
  readonly ca: CertificateAuthority;
  /** The current xDS server (a new one after `restartXds`). */
  readonly xds: XdsServer;
  readonly envoy: WaypointEnvoy;
  readonly generators: WaypointGenerators;
  readonly secrets: WaypointSecretStore;
  /** Pushes a new mesh (issuing secrets for new waypoints first). */
  update(mesh: MeshSnapshot): Promise<void>;
  /** Resolves when Envoy ACKed the latest version of every type; rejects with Envoy's message on a NACK. */
  waitAcked(timeoutMs?: number): Promise<void>;
  /** Replaces the control plane's xDS server with a fresh one on the same port (a control plane restart). */
  restartXds(): Promise<void>;
  close(): Promise<void>;
}

const TOKEN = 'test-waypoint-token';
const TYPES = [TYPE_URLS.listener, TYPE_URLS.routeConfiguration, TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.secret];

interface DebugType { typeUrl: string; state: string; lastSentVersion: string | null; lastAckedVersion: string | null; lastNack: { message: string } | null }
interface DebugClient { types: DebugType[] }

function identities(mesh: MeshSnapshot): Map<string, string> {
  return new Map([...mesh.waypoints.values()].map((w) => [w.key, w.identity]));
}

export async function startWaypointEnv(opts: {
  envoyPath: string; mesh: MeshSnapshot; waypointKey: string; xdsBind: string; adsApiType?: 'GRPC' | 'DELTA_GRPC'; logger?: Logger; envoyLogLevel?: string; now?: () => number;
  /** The token the waypoint sends and the one the control plane accepts, asked per call (rotation tests); default fixed. */
  token?: () => string; acceptedToken?: () => string;
}): Promise<WaypointEnv> {
  const logger = opts.logger ?? silentLogger;
  const dir = await mkdtemp(join(tmpdir(), 'ambit-wp-'));
  const ca = await loadOrCreateCa({ stateDir: dir, trustDomain: 'cluster.local' });
  const secrets = createWaypointSecretStore({ ca, ...(opts.now ? { now: opts.now } : {}) });
  await secrets.sync(identities(opts.mesh));
  const generators = createWaypointGenerators({ secrets });
  const [ns, name] = opts.waypointKey.split('/') as [string, string];
  const accepted = opts.acceptedToken ?? ((): string => TOKEN);
  const newXds = (): XdsServer =>
    createXdsServer({
      generators: generators.generators,
      authenticate: (md) => (md.get('authorization')[0] === `Bearer ${accepted()}` ? { kind: 'waypoint', namespace: ns, name } : { error: 'bad token' }),
      debounceMs: 0,
      registry: new Registry(),
      logger,
    });
  const serving = await ca.issueKeyAndCert({ dnsNames: ['istiod'] });
  const creds = grpc.ServerCredentials.createSsl(Buffer.from(ca.rootsPem.join('')), [
    { private_key: Buffer.from(serving.keyPem), cert_chain: Buffer.from(serving.certChainPem.join('')) },
  ]);
  const serve = async (x: XdsServer, port: number): Promise<{ server: grpc.Server; port: number }> => {
    const server = new grpc.Server();
    x.register(server);
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${opts.xdsBind}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))));
    return { server, port: bound };
  };
  let xds = newXds();
  let mesh = opts.mesh;
  let { server, port } = await serve(xds, 0);
  xds.update(mesh);
  const waypoint = opts.mesh.waypoints.get(opts.waypointKey);
  if (!waypoint?.address) throw new Error(`mesh has no waypoint ${opts.waypointKey} with an address`);
  const envoy = createWaypointEnvoy({
    envoyPath: opts.envoyPath,
    gateway: { namespace: ns, name, address: waypoint.address },
    xdsAddress: `${opts.xdsBind}:${port}`,
    rootsPem: ca.rootsPem,
    token: opts.token ?? TOKEN,
    workDir: dir,
    logger,
    ...(opts.adsApiType ? { adsApiType: opts.adsApiType } : {}),
    ...(opts.envoyLogLevel ? { logLevel: opts.envoyLogLevel } : {}),
  });
  const close = async (): Promise<void> => {
    await envoy.close();
    xds.close();
    server.forceShutdown();
    secrets.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await envoy.start();
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ca, envoy, generators, secrets, close,
    get xds() {
      return xds;
    },
    async update(next) {
      mesh = next;
      await secrets.sync(identities(next));
      xds.update(next);
    },
    async restartXds() {
      server.forceShutdown();
      xds.close();
      xds = newXds();
      ({ server, port } = await serve(xds, port));
      xds.update(mesh);
    },
    async waitAcked(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const clients = (xds.debug() as { clients: DebugClient[] }).clients;
        const types = clients.flatMap((c) => c.types).filter((t) => TYPES.includes(t.typeUrl as (typeof TYPES)[number]));
        const nack = types.find((t) => t.lastNack);
        if (nack) throw new Error(`Envoy NACKed ${nack.typeUrl}: ${nack.lastNack!.message}`);
        const done = TYPES.every((u) => types.some((t) => t.typeUrl === u && t.lastSentVersion !== null && t.lastAckedVersion === t.lastSentVersion && t.state === 'acked'));
        if (done) return;
        if (Date.now() > deadline) throw new Error(`Envoy did not ACK all types in time: ${JSON.stringify(types)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
