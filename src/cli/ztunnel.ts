/**
 * `ambit ztunnel`: composition root of one node proxy. Reads the node token and mesh root from the state directory,
 * builds the CA client, WDS discovery, metrics registry and logger, and starts the ztunnel on the node address.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PORTS } from '../shared/constants.js';
import { createLevelControl, createLogger, isLogLevel, type LevelControl, type Logger, type LogLevel } from '../shared/telemetry/logger.js';
import { createCaClient } from '../shared/crypto/ca-client.js';
import { nodeTokenPath } from '../control-plane/auth/token-files.js';
import { createZtunnel, type Ztunnel, type ZtunnelPorts } from '../ztunnel/ztunnel.js';
import { createWdsDiscovery } from '../ztunnel/discovery.js';
import { Registry } from '../ztunnel/metrics.js';
import { createCaCertificateSource, DEFAULT_CERT_TTL_SECONDS } from '../ztunnel/identity/ca-source.js';
import { waitForShutdownSignal } from './signals.js';
import { num, parseCommandArgs, str } from './args.js';
import { defaultAdminAddress } from './up-plan.js';
import { fileTokenSource } from './token-file.js';

const HELP = `Usage: ambit ztunnel --node NAME --address IP --state-dir DIR [options]

  --node NAME              Node this ztunnel serves (workloads with spec.nodeName = NAME) (required)
  --address IP             node address: HBONE, SOCKS5, plaintext inbound, metrics, readiness bind here (required)
  --state-dir DIR          control plane state dir: ca/root-cert.pem and tokens/node-<NAME>.token (required)
  --xds-address HOST:PORT  control plane xDS, TLS (default 127.0.0.1:${PORTS.xdsTls})
  --ca-address HOST:PORT   control plane CA (default: the xDS address)
  --token-file PATH        bootstrap token (default <state-dir>/tokens/node-<NAME>.token)
  --root-cert PATH         mesh root (default <state-dir>/ca/root-cert.pem)
  --server-name NAME       TLS name of the control plane certificate (default istiod)
  --cert-ttl-seconds N     requested workload certificate lifetime (default ${DEFAULT_CERT_TTL_SECONDS})
  --domain-suffix SUFFIX   service DNS suffix (default cluster.local)
  --admin-address IP       admin (config_dump) address (default: the node address when it is loopback, as in
                           local mode where several ztunnels share a host; else 127.0.0.1)
  --hbone-port N           (default ${PORTS.hbone})      --socks5-port N      (default ${PORTS.socks5})
  --inbound-port N         (default ${PORTS.inboundPlaintext})      --admin-port N       (default ${PORTS.admin})
  --metrics-port N         (default ${PORTS.metrics})      --readiness-port N   (default ${PORTS.readiness})
  --wait-ms N              how long to wait for the token and root files (default 30000)
  --log-level LEVEL        debug|info|warn|error (default info)`;

/** Shutdown drain for live connections. */
const DRAIN_MS = 5000;

export interface ZtunnelProcessOptions {
  readonly node: string;
  readonly address: string;
  readonly stateDir: string;
  readonly xdsAddress: string;
  readonly caAddress: string;
  readonly tokenFile: string;
  readonly rootCertFile: string;
  readonly serverName: string;
  readonly certTtlSeconds: number;
  readonly domainSuffix: string;
  readonly adminAddress: string;
  readonly ports: ZtunnelPorts;
  /** How long to wait for the token and root files the control plane writes (default 30 s). */
  readonly waitForFilesMs?: number;
}

/** What the admin port may change in the running process: its log level, and shutting it down. */
export interface ProcessControls {
  readonly logLevel?: LevelControl;
  readonly quit?: () => void;
}

/** Starts one ztunnel wired to the control plane (also usable in-process by `ambit up` or tests). */
export async function startZtunnelProcess(
  opts: ZtunnelProcessOptions,
  logger: Logger,
  registry: Registry,
  controls: ProcessControls = {},
): Promise<{ ztunnel: Ztunnel; close(drainMs?: number): Promise<void> }> {
  const waitMs = opts.waitForFilesMs ?? 30_000;
  const [rootPem, firstToken] = await Promise.all([waitForFile(opts.rootCertFile, waitMs), waitForFile(opts.tokenFile, waitMs)]);
  // One source for both clients: each ADS (re)connect and each CSR asks it, so a rotated token file is used from the
  // next call on (the control plane re-reads its token files every second and forgets the old token).
  const token = fileTokenSource(opts.tokenFile, firstToken);
  const ca = createCaClient({ address: opts.caAddress, rootsPem: rootPem, token, serverName: opts.serverName });
  const ztunnel = createZtunnel(
    { nodeName: opts.node, listenAddress: opts.address, adminAddress: opts.adminAddress, ports: opts.ports, domainSuffix: opts.domainSuffix, rootsPem: [rootPem] },
    {
      certificateSource: createCaCertificateSource({ ttlSeconds: opts.certTtlSeconds }, { ca }),
      registry,
      logger,
      ...controls,
      discovery: (state) =>
        createWdsDiscovery(
          { address: opts.xdsAddress, rootsPem: [rootPem], servername: opts.serverName, token, nodeName: opts.node, nodeAddress: opts.address },
          { state, logger: logger.child({ component: 'ztunnel', node: opts.node }) },
        ),
    },
  );
  try {
    await ztunnel.start();
  } catch (err) {
    await ztunnel.close();
    ca.close();
    throw err;
  }
  return {
    ztunnel,
    async close(drainMs = 0) {
      await ztunnel.close(drainMs);
      ca.close();
    },
  };
}

async function waitForFile(path: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text && text.trim()) return text.trim();
    if (Date.now() > deadline) throw new Error(`${path}: not found or empty after ${ms} ms (is the control plane running with this --state-dir?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


function parseOptions(args: readonly string[]): { opts: ZtunnelProcessOptions; logLevel: LogLevel } | undefined {
  const s = { type: 'string' } as const;
  const values = parseCommandArgs(
    args,
    {
      node: s, address: s, 'state-dir': s, 'xds-address': s, 'ca-address': s, 'token-file': s, 'root-cert': s, 'server-name': s,
      'cert-ttl-seconds': s, 'domain-suffix': s, 'admin-address': s, 'hbone-port': s, 'socks5-port': s, 'inbound-port': s,
      'admin-port': s, 'metrics-port': s, 'readiness-port': s, 'log-level': s, 'wait-ms': s,
    },
    HELP,
  );
  if (!values) return undefined;
  const node = str(values, 'node', '');
  const address = str(values, 'address', '');
  const stateDir = str(values, 'state-dir', '');
  if (!node || !address || !stateDir) throw new Error('--node, --address and --state-dir are required (see --help)');
  const logLevel = str(values, 'log-level', 'info');
  if (!isLogLevel(logLevel)) throw new Error(`--log-level: expected debug, info, warn or error, got "${logLevel}"`);
  const xdsAddress = str(values, 'xds-address', `127.0.0.1:${PORTS.xdsTls}`);
  return {
    logLevel,
    opts: {
      node,
      address,
      stateDir,
      xdsAddress,
      caAddress: str(values, 'ca-address', xdsAddress),
      tokenFile: str(values, 'token-file', nodeTokenPath(stateDir, node)),
      rootCertFile: str(values, 'root-cert', join(stateDir, 'ca', 'root-cert.pem')),
      serverName: str(values, 'server-name', 'istiod'),
      certTtlSeconds: num(values, 'cert-ttl-seconds', DEFAULT_CERT_TTL_SECONDS),
      domainSuffix: str(values, 'domain-suffix', 'cluster.local'),
      adminAddress: str(values, 'admin-address', defaultAdminAddress(address)),
      waitForFilesMs: num(values, 'wait-ms', 30_000),
      ports: {
        hbone: num(values, 'hbone-port', PORTS.hbone),
        socks5: num(values, 'socks5-port', PORTS.socks5),
        inboundPlaintext: num(values, 'inbound-port', PORTS.inboundPlaintext),
        admin: num(values, 'admin-port', PORTS.admin),
        metrics: num(values, 'metrics-port', PORTS.metrics),
        readiness: num(values, 'readiness-port', PORTS.readiness),
      },
    },
  };
}

export async function run(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(args);
  } catch (err) {
    console.error(`ambit ztunnel: ${(err as Error).message}`);
    return 2;
  }
  if (!parsed) return 0;
  const logLevel = createLevelControl(parsed.logLevel);
  const logger = createLogger({ control: logLevel, fields: { component: 'ztunnel', node: parsed.opts.node } });
  const registry = new Registry();
  // /quitquitquit shuts down as SIGTERM does; the signal listeners go, so a signal during that drain ends at once.
  const quitting = new AbortController();
  const quitRequested = new Promise<'admin /quitquitquit'>((resolve) => quitting.signal.addEventListener('abort', () => resolve('admin /quitquitquit'), { once: true }));
  const quit = (): void => quitting.abort();
  let proc: Awaited<ReturnType<typeof startZtunnelProcess>>;
  try {
    proc = await startZtunnelProcess(parsed.opts, logger, registry, { logLevel, quit });
  } catch (err) {
    logger.error('ztunnel failed to start', { err });
    return 1;
  }
  logger.info('shutting down', { signal: await Promise.race([waitForShutdownSignal(quitting.signal), quitRequested]) });
  // Live connections get a few seconds to finish (Istio drains on shutdown); a second signal is not waited for.
  await proc.close(DRAIN_MS);
  return 0;
}
