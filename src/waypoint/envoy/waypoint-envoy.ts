/**
 * Runs one waypoint's Envoy: starts its xDS proxy (ADS to the control plane over TLS with a bearer token re-read for
 * every call, `xds-proxy.ts`), renders the bootstrap (ADS to that proxy's Unix socket, admin on
 * `<waypoint address>:15000`), then supervises the process (restart with backoff). Several Envoys share a host, so
 * each uses `--use-dynamic-base-id`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PORTS } from '../../shared/constants.js';
import { createSupervisedProcess, type SupervisedProcess } from '../../shared/lifecycle/supervised-process.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { loadBootstrapTemplate, renderBootstrap } from './bootstrap.js';
import { createXdsProxy, type XdsProxy } from './xds-proxy.js';

export interface WaypointEnvoyConfig {
  readonly envoyPath: string;
  readonly gateway: { readonly namespace: string; readonly name: string; readonly address: string };
  /** `host:port` of the control plane's TLS xDS (port 15012). */
  readonly xdsAddress: string;
  /** Roots that sign the control plane's serving certificate. */
  readonly rootsPem: readonly string[];
  /**
   * Bearer token for the ADS stream (`<stateDir>/tokens/waypoint-<ns>-<name>.token`); a function is asked again for
   * every ADS (re)connect, so a rotated token file is used without restarting Envoy.
   */
  readonly token: string | (() => string);
  /** Bootstrap file goes here. */
  readonly workDir: string;
  /** Default 15000 (on the waypoint address). */
  readonly adminPort?: number;
  /** DNS SAN / SNI of the control plane's serving certificate; default `istiod`. */
  readonly xdsServerName?: string;
  /** Default `DELTA_GRPC`, as istiod forces for waypoints; `GRPC` = state of the world. */
  readonly adsApiType?: 'GRPC' | 'DELTA_GRPC';
  /** Envoy log level; default `warning`. */
  readonly logLevel?: string;
  /** Worker threads; default 2. */
  readonly concurrency?: number;
  /** How long `start()` waits for the admin endpoint; default 20000 ms. */
  readonly startTimeoutMs?: number;
  /** Bootstrap template path (default envoy/bootstrap.yaml). */
  readonly templatePath?: string;
  readonly logger: Logger;
}

export interface WaypointEnvoy {
  /** Resolves once Envoy's admin endpoint answers; rejects if it does not within startTimeoutMs. */
  start(): Promise<void>;
  /** `http://<address>:<adminPort>`. */
  readonly adminAddress: string;
  readonly bootstrapPath: string;
  close(): Promise<void>;
}

/** The xDS proxy dials `host:port` lazily; a malformed address fails at construction instead of on Envoy's first call. */
function assertHostPort(hostPort: string): void {
  if (!/^\[?([^\]]+?)\]?:(\d+)$/.test(hostPort)) throw new Error(`xdsAddress "${hostPort}" is not host:port`);
}

/** Envoy's own log lines (`[time][tid][level][logger] msg`) at a matching level. */
function envoyLine(log: Logger, line: string): void {
  if (/\]\[(error|critical)\]/.test(line)) log.error(line);
  else if (/\]\[warning\]/.test(line)) log.warn(line);
  else log.debug(line);
}

export function createWaypointEnvoy(config: WaypointEnvoyConfig): WaypointEnvoy {
  const { gateway } = config;
  const adminPort = config.adminPort ?? PORTS.admin;
  const adminHost = gateway.address.includes(':') ? `[${gateway.address}]` : gateway.address;
  const adminAddress = `http://${adminHost}:${adminPort}`;
  const bootstrapPath = join(config.workDir, `envoy-${gateway.namespace}-${gateway.name}.json`);
  const socketPath = join(config.workDir, 'xds.sock');
  const log = config.logger.child({ component: 'waypoint-envoy', gateway: `${gateway.namespace}/${gateway.name}` });
  const token = config.token;
  assertHostPort(config.xdsAddress);
  let proc: SupervisedProcess | undefined;
  let proxy: XdsProxy | undefined;

  const writeBootstrap = async (): Promise<void> => {
    const rendered = renderBootstrap(await loadBootstrapTemplate(config.templatePath), {
      WAYPOINT_ADDRESS: gateway.address,
      GATEWAY_NAME: gateway.name,
      GATEWAY_NAMESPACE: gateway.namespace,
      ADMIN_ADDRESS: gateway.address,
      ADMIN_PORT: adminPort,
      ADS_API_TYPE: config.adsApiType ?? 'DELTA_GRPC',
      XDS_PROXY_SOCKET: socketPath,
    });
    if (!rendered.ok) throw new Error(`waypoint ${gateway.namespace}/${gateway.name}: invalid bootstrap: ${rendered.problems.join('; ')}`);
    await mkdir(config.workDir, { recursive: true });
    await writeFile(bootstrapPath, JSON.stringify(rendered.bootstrap, null, 2), { mode: 0o600 });
  };

  const waitForAdmin = async (): Promise<void> => {
    const deadline = Date.now() + (config.startTimeoutMs ?? 20_000);
    for (;;) {
      try {
        const res = await fetch(`${adminAddress}/server_info`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`waypoint ${gateway.namespace}/${gateway.name}: Envoy admin ${adminAddress} not up in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    adminAddress,
    bootstrapPath,
    async start() {
      await writeBootstrap();
      proxy = createXdsProxy({
        socketPath,
        upstreamAddress: config.xdsAddress,
        rootsPem: config.rootsPem,
        serverName: config.xdsServerName ?? 'istiod',
        token: typeof token === 'string' ? () => token.trim() : token,
        logger: log,
      });
      await proxy.start();
      const args = [
        '-c', bootstrapPath,
        '--use-dynamic-base-id',
        '--concurrency', String(config.concurrency ?? 2),
        '--log-level', config.logLevel ?? 'warning',
        '--drain-time-s', '1',
        '--parent-shutdown-time-s', '2',
      ];
      proc = createSupervisedProcess(
        { name: `envoy-${gateway.namespace}-${gateway.name}`, command: config.envoyPath, args, stopTimeoutMs: 3000, onLine: (line) => envoyLine(log, line) },
        log,
      );
      proc.start();
      await waitForAdmin();
      log.info('envoy admin up', { adminAddress });
    },
    async close() {
      await proc?.stop();
      proc = undefined;
      await proxy?.close();
      proxy = undefined;
    },
  };
}
