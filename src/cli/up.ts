/**
 * `ambit up`: local mode. Runs the control plane in this process, and as supervised child processes one ztunnel per
 * Node (bound to its InternalIP) and one waypoint (Envoy + brain) per `istio-waypoint` Gateway with an address.
 * Follows the config: a Node or Gateway added, moved or removed starts, restarts or stops its process. Stays in the
 * foreground; Ctrl-C stops everything. Applications are not started.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { DEFAULT_CLUSTER_ID, DEFAULT_ROOT_NAMESPACE, DEFAULT_TRUST_DOMAIN, PORTS } from '../shared/constants.js';
import { createSupervisedProcess, type SupervisedProcess } from '../shared/lifecycle/supervised-process.js';
import type { MeshSnapshot } from '../shared/model/mesh.js';
import { createLogger, type Logger, type LogLevel } from '../shared/telemetry/logger.js';
import { waitForShutdownSignal } from './signals.js';
import { num, parseCommandArgs, str } from './args.js';
import { startControlPlaneProcess } from './controlplane.js';
import { diffPlans, planProcesses, type PlannedProcess } from './up-plan.js';

const HELP = `Usage: ambit up --config-dir DIR [--state-dir DIR] [options]

Local mode: the control plane (admin 127.0.0.1:${PORTS.controlPlaneAdmin}, CA + xDS on --grpc-listen:${PORTS.xdsTls}),
one ztunnel per Node object bound to its InternalIP, and Envoy + brain for every istio-waypoint Gateway bound to
spec.addresses[0].value. Applications are not started: run them on their pods' status.podIP.

  --config-dir DIR      watched Kubernetes-style YAML (required)
  --state-dir DIR       CA material, bootstrap tokens, waypoint bootstraps (default .state)
  --trust-domain TD     default ${DEFAULT_TRUST_DOMAIN}
  --listen HOST         control plane admin HTTP host (default 127.0.0.1)
  --grpc-listen HOST    control plane gRPC host (default 127.0.0.1)
  --grpc-port N         default ${PORTS.xdsTls}
  --admin-port N        default ${PORTS.controlPlaneAdmin}
  --plaintext-port N    loopback plaintext xDS, -1 = off (default ${PORTS.xdsPlaintext})
  --log-level LEVEL     debug|info|warn|error (default info)

Environment: AMBIT_ZTUNNEL_NODE_ARGS adds Node flags to every ztunnel child (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p";
NODE_OPTIONS refuses some of those).`;

const AMBIT_BIN = fileURLToPath(new URL('../../../bin/ambit.js', import.meta.url));

/** Keeps the running children equal to the plan for the latest mesh. Serialised so restarts never overlap. */
function createReconciler(planFor: (mesh: MeshSnapshot) => Map<string, PlannedProcess>, logger: Logger) {
  const running = new Map<string, { plan: PlannedProcess; proc: SupervisedProcess }>();
  let chain = Promise.resolve();
  const apply = async (mesh: MeshSnapshot): Promise<void> => {
    const current = new Map([...running].map(([k, r]) => [k, r.plan]));
    const { stop, start } = diffPlans(current, planFor(mesh));
    await Promise.all(stop.map(async (key) => {
      const r = running.get(key);
      running.delete(key);
      logger.info('stopping', { process: key });
      await r?.proc.stop();
    }));
    for (const plan of start) {
      const proc = createSupervisedProcess({ name: plan.key, command: process.execPath, args: [...plan.nodeArgs, AMBIT_BIN, ...plan.args] }, logger);
      running.set(plan.key, { plan, proc });
      logger.info('starting', { process: plan.key });
      proc.start();
    }
  };
  return {
    reconcile(mesh: MeshSnapshot): void {
      chain = chain.then(() => apply(mesh)).catch((err: unknown) => logger.error('reconcile failed', { err }));
    },
    async stopAll(): Promise<void> {
      await chain;
      await Promise.all([...running.values()].map((r) => r.proc.stop()));
      running.clear();
    },
    states: () => Object.fromEntries([...running].map(([k, r]) => [k, r.proc.state()])),
  };
}

export async function run(args: readonly string[]): Promise<number> {
  const v = parseCommandArgs(
    args,
    {
      'config-dir': { type: 'string' }, 'state-dir': { type: 'string' }, 'trust-domain': { type: 'string' },
      listen: { type: 'string' }, 'grpc-listen': { type: 'string' }, 'grpc-port': { type: 'string' }, 'admin-port': { type: 'string' },
      'plaintext-port': { type: 'string' }, 'log-level': { type: 'string' },
    },
    HELP,
  );
  if (!v) return 0;
  const configDir = str(v, 'config-dir', '');
  if (!configDir) {
    console.error(`ambit up: --config-dir is required\n\n${HELP}`);
    return 2;
  }
  const stateDir = resolve(str(v, 'state-dir', '.state'));
  const logLevel = str(v, 'log-level', 'info') as LogLevel;
  const logger = createLogger({ level: logLevel, fields: { component: 'up' } });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const grpcHost = str(v, 'grpc-listen', '127.0.0.1');
  const plaintextPort = num(v, 'plaintext-port', PORTS.xdsPlaintext);
  const cp = await startControlPlaneProcess(
    {
      configDir: resolve(configDir),
      stateDir,
      trustDomain: str(v, 'trust-domain', DEFAULT_TRUST_DOMAIN),
      rootNamespace: DEFAULT_ROOT_NAMESPACE,
      clusterId: DEFAULT_CLUSTER_ID,
      admin: { host: str(v, 'listen', '127.0.0.1'), port: num(v, 'admin-port', PORTS.controlPlaneAdmin) },
      grpcTls: { host: grpcHost, port: num(v, 'grpc-port', PORTS.xdsTls) },
      ...(plaintextPort >= 0 ? { plaintextPort } : {}),
      debounceMs: 100,
    },
    logger.child({ component: 'controlplane' }),
    registry,
  );
  const grpcPort = cp.plane.ports().grpcTls ?? PORTS.xdsTls;
  const controlPlaneAddress = `${grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost}:${grpcPort}`;
  const reconciler = createReconciler((mesh) => planProcesses(mesh, { stateDir, controlPlaneAddress, logLevel, ztunnelNodeArgs: process.env.AMBIT_ZTUNNEL_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [] }), logger);
  cp.plane.onMesh((mesh) => reconciler.reconcile(mesh));
  reconciler.reconcile(cp.plane.mesh());
  logger.info('local mesh up', { admin: `${str(v, 'listen', '127.0.0.1')}:${cp.plane.ports().admin}`, controlPlane: controlPlaneAddress, stateDir });

  await waitForShutdownSignal();
  logger.info('shutting down');
  await reconciler.stopAll();
  await cp.close();
  return 0;
}
