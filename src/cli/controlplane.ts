/**
 * `ambit controlplane`: the control plane's composition root. Builds the CA, bootstrap-token store, xDS server and
 * generators, and hands them to createControlPlane as gRPC service hooks: TLS :15012 serves CA + ADS to token holders,
 * plaintext :15010 (loopback only) serves ADS to local debug clients. Reads only its arguments, never the environment.
 */
import { Registry } from 'prom-client';
import { DEFAULT_CLUSTER_ID, DEFAULT_ROOT_NAMESPACE, DEFAULT_TRUST_DOMAIN, PORTS } from '../shared/constants.js';
import type { MeshSnapshot } from '../shared/model/mesh.js';
import { createLogger, isLogLevel, type Logger, type LogLevel } from '../shared/telemetry/logger.js';
import { createControlPlane, type ControlPlane, type ListenAddress } from '../control-plane/control-plane.js';
import { createDirConfigSource } from '../control-plane/config/dir-source.js';
import { createTokenStore, localDebugAuthenticator, type TokenStore } from '../control-plane/auth/index.js';
import { createRotatingServerCredentials, loadOrCreateCa, registerCaService } from '../control-plane/ca/index.js';
import { createXdsServer, type XdsServer } from '../control-plane/xds/server.js';
import { createAddressGenerator, createWorkloadGenerator } from '../control-plane/translate/workload/generator.js';
import { createAuthorizationGenerator } from '../control-plane/translate/authorization/generator.js';
import { createWaypointGenerators, createWaypointSecretStore, type WaypointSecretStore } from '../control-plane/translate/envoy/index.js';
import { createBrainGenerators } from '../control-plane/translate/brain/index.js';
import { httpRouteStatuses, waypointStatuses } from '../control-plane/status/index.js';
import { waitForShutdownSignal } from './signals.js';
import { num, parseCommandArgs, str } from './args.js';

const HELP = `Usage: ambit controlplane --config-dir DIR --state-dir DIR [options]

  --config-dir DIR       *.yaml/*.yml config, watched; changes apply within 1 s (required)
  --state-dir DIR        CA material and bootstrap tokens (required)
  --trust-domain TD      SPIFFE trust domain (default ${DEFAULT_TRUST_DOMAIN})
  --root-namespace NS    namespace of mesh-wide policies (default ${DEFAULT_ROOT_NAMESPACE})
  --cluster-id ID        cluster id in workload uids (default ${DEFAULT_CLUSTER_ID})
  --listen HOST          admin HTTP host (default 127.0.0.1)
  --admin-port N         admin HTTP port (default ${PORTS.controlPlaneAdmin})
  --grpc-listen HOST     TLS gRPC host, CA + xDS (default 127.0.0.1)
  --grpc-port N          TLS gRPC port (default ${PORTS.xdsTls})
  --plaintext-port N     loopback (127.0.0.1) plaintext xDS port, 0 = pick (default ${PORTS.xdsPlaintext})
  --no-plaintext         do not serve plaintext xDS
  --debounce-ms N        config watch quiet period (default 100)
  --log-level LEVEL      debug|info|warn|error (default info)`;

export interface ControlPlaneProcessOptions {
  readonly configDir: string;
  readonly stateDir: string;
  readonly trustDomain: string;
  readonly rootNamespace: string;
  readonly clusterId: string;
  readonly admin: ListenAddress;
  readonly grpcTls: ListenAddress;
  /** Always bound on 127.0.0.1; undefined = not served. */
  readonly plaintextPort?: number;
  readonly debounceMs: number;
}

export interface ControlPlaneProcess {
  readonly plane: ControlPlane;
  readonly xds: XdsServer;
  readonly tokens: TokenStore;
  close(): Promise<void>;
}

/** Creates tokens for every Node and waypoint, issues waypoint SDS secrets, then pushes the mesh to xDS clients. */
function meshFollower(tokens: TokenStore, secrets: WaypointSecretStore, xds: XdsServer, logger: Logger): (mesh: MeshSnapshot) => void {
  let chain = Promise.resolve();
  return (mesh) => {
    chain = chain.then(async () => {
      try {
        for (const node of mesh.nodes.values()) await tokens.ensureNodeToken(node.name);
        for (const wp of mesh.waypoints.values()) await tokens.ensureWaypointToken(wp.namespace, wp.name);
        await secrets.sync(new Map([...mesh.waypoints.values()].map((w) => [w.key, w.identity])));
      } catch (err) {
        logger.error('preparing tokens/secrets for the mesh failed', { version: mesh.version, err });
      }
      xds.update(mesh);
    });
  };
}

/** Builds and starts the whole control plane (also used in-process by `ambit up`). */
export async function startControlPlaneProcess(opts: ControlPlaneProcessOptions, logger: Logger, registry: Registry): Promise<ControlPlaneProcess> {
  const ca = await loadOrCreateCa({ stateDir: opts.stateDir, trustDomain: opts.trustDomain });
  const tokens = createTokenStore({ stateDir: opts.stateDir });
  let plane: ControlPlane | undefined;
  const secrets = createWaypointSecretStore({
    ca,
    onRotated: () => plane && xds.update(plane.mesh()),
    onError: (err) => logger.error('waypoint certificate issuance failed', { err }),
  });
  const waypointGenerators = createWaypointGenerators({ secrets });
  const authorization = createAuthorizationGenerator();
  const xds = createXdsServer({
    generators: [createAddressGenerator(), createWorkloadGenerator(), authorization, ...waypointGenerators.generators, ...createBrainGenerators()],
    authenticate: (md) => tokens.authenticate(md),
    registry,
    logger,
  });
  const tls = await createRotatingServerCredentials(ca, { bindAddresses: [opts.grpcTls.host], logger });
  plane = createControlPlane(
    {
      meshOptions: { trustDomain: opts.trustDomain, rootNamespace: opts.rootNamespace, clusterId: opts.clusterId, domainSuffix: 'cluster.local' },
      admin: opts.admin,
      grpcTls: opts.grpcTls,
      ...(opts.plaintextPort !== undefined ? { grpcPlaintext: { host: '127.0.0.1', port: opts.plaintextPort } } : {}),
    },
    {
      source: createDirConfigSource({ dir: opts.configDir, logger: logger.child({ component: 'config' }), debounceMs: opts.debounceMs }),
      logger,
      registry,
      tlsCredentials: tls.credentials,
      grpcServices: [
        (server, ctx) => {
          if (ctx.listener !== 'tls') return xds.register(server, { authenticate: localDebugAuthenticator });
          registerCaService(server, { ca, authenticate: (md) => tokens.authenticate(md), mesh: ctx.mesh, metrics: ctx.metrics, logger });
          xds.register(server);
        },
      ],
      adminRoutes: [
        { path: '/debug/xds', handler: () => xds.debug() },
        {
          // What translation dropped or could not enforce: policy conversion warnings (ztunnel) and waypoint problems.
          path: '/debug/translation',
          handler: () => {
            const mesh = plane?.mesh();
            if (!mesh) return { policyWarnings: {}, waypointProblems: {} };
            const waypointProblems = Object.fromEntries([...mesh.waypoints.keys()].map((k) => [k, waypointGenerators.problems(mesh, k)]));
            return { meshVersion: mesh.version, policyWarnings: Object.fromEntries(authorization.warnings(mesh)), waypointProblems };
          },
        },
      ],
      // Waypoints with Accepted/Programmed (Programmed only once their Envoy ACKed the listeners) and HTTPRoute status.
      waypointsView: (mesh) => ({
        version: mesh.version,
        waypoints: waypointStatuses(mesh, (key) => waypointGenerators.problems(mesh, key), xds.debug()).map((status) => ({
          ...mesh.waypoints.get(status.key),
          ...status,
        })),
        httpRoutes: httpRouteStatuses(mesh),
      }),
    },
  );
  const follow = meshFollower(tokens, secrets, xds, logger);
  plane.onMesh(follow); // also receives the first mesh, built inside start()
  try {
    await plane.start();
  } catch (err) {
    xds.close();
    secrets.close();
    tls.close();
    throw err;
  }
  secrets.start();
  const started = plane;
  return {
    plane: started,
    xds,
    tokens,
    async close() {
      await started.close();
      xds.close();
      secrets.close();
      tls.close();
    },
  };
}

function parseOptions(args: readonly string[]): { opts: ControlPlaneProcessOptions; logLevel: LogLevel } | undefined {
  const values = parseCommandArgs(
    args,
    {
      'config-dir': { type: 'string' }, 'state-dir': { type: 'string' }, 'trust-domain': { type: 'string' },
      'root-namespace': { type: 'string' }, 'cluster-id': { type: 'string' }, listen: { type: 'string' },
      'admin-port': { type: 'string' }, 'grpc-listen': { type: 'string' }, 'grpc-port': { type: 'string' },
      'plaintext-port': { type: 'string' }, 'no-plaintext': { type: 'boolean' }, 'debounce-ms': { type: 'string' }, 'log-level': { type: 'string' },
    },
    HELP,
  );
  if (!values) return undefined;
  const configDir = str(values, 'config-dir', '');
  const stateDir = str(values, 'state-dir', '');
  if (!configDir || !stateDir) throw new Error('--config-dir and --state-dir are required (see --help)');
  const logLevel = str(values, 'log-level', 'info');
  if (!isLogLevel(logLevel)) throw new Error(`--log-level: expected debug, info, warn or error, got "${logLevel}"`);
  const plaintextPort = num(values, 'plaintext-port', PORTS.xdsPlaintext);
  return {
    logLevel,
    opts: {
      configDir,
      stateDir,
      trustDomain: str(values, 'trust-domain', DEFAULT_TRUST_DOMAIN),
      rootNamespace: str(values, 'root-namespace', DEFAULT_ROOT_NAMESPACE),
      clusterId: str(values, 'cluster-id', DEFAULT_CLUSTER_ID),
      admin: { host: str(values, 'listen', '127.0.0.1'), port: num(values, 'admin-port', PORTS.controlPlaneAdmin) },
      grpcTls: { host: str(values, 'grpc-listen', '127.0.0.1'), port: num(values, 'grpc-port', PORTS.xdsTls) },
      ...(values['no-plaintext'] === true ? {} : { plaintextPort }),
      debounceMs: num(values, 'debounce-ms', 100),
    },
  };
}

export async function run(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(args);
  } catch (err) {
    console.error(`ambit controlplane: ${(err as Error).message}`);
    return 2;
  }
  if (!parsed) return 0;
  const logger = createLogger({ level: parsed.logLevel, fields: { component: 'controlplane' } });
  const registry = new Registry();
  let proc: ControlPlaneProcess;
  try {
    proc = await startControlPlaneProcess(parsed.opts, logger, registry);
  } catch (err) {
    logger.error('control plane failed to start', { err });
    return 1;
  }
  const ports = proc.plane.ports();
  logger.info('ready', { admin: `${parsed.opts.admin.host}:${ports.admin}`, grpcTls: ports.grpcTls, grpcPlaintext: ports.grpcPlaintext });
  logger.info('shutting down', { signal: await waitForShutdownSignal() });
  await proc.close();
  return 0;
}
