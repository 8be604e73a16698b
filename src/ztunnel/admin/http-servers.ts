/**
 * The ztunnel's three HTTP ports, kept apart as Istio's: admin (15000, localhost: `/config_dump`, and as Istio's
 * ztunnel `POST /logging[?level=L|?reset]` and `POST /quitquitquit`), metrics (15020, `/metrics` and
 * `/stats/prometheus`) and readiness (15021, `/healthz/ready`: 200 `ready`, 500 not ready, 405 non-GET, 404 elsewhere).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listenOn } from '../proxy/listen.js';
import { isLogLevel, LOG_LEVELS, type LevelControl } from '../../shared/telemetry/logger.js';

export interface AdminConfig {
  readonly adminAddress: string;
  readonly adminPort: number;
  readonly metricsAddress: string;
  readonly metricsPort: number;
  readonly readinessPort: number;
}

export interface AdminDeps {
  readonly registry: Registry;
  readonly configDump: () => unknown;
  /** Names of tasks still pending before ready; empty = ready. */
  readonly pending: () => readonly string[];
  /** The process log level, for `/logging`; without it that path is 404. */
  readonly logLevel?: LevelControl;
  /** Graceful shutdown, for `/quitquitquit` (called once the answer is sent); without it that path is 404. */
  readonly quit?: () => void;
}

const LOGGING_USAGE = `usage: POST /logging               show the current level
       POST /logging?level=LEVEL   set it (${LOG_LEVELS.join('|')})
       POST /logging?reset         back to the level the process started with
`;

export interface AdminServers {
  start(): Promise<{ admin: AddressInfo; metrics: AddressInfo; readiness: AddressInfo }>;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export function createAdminServers(config: AdminConfig, deps: AdminDeps): AdminServers {
  const admin: Handler = (req, res) => {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (path === '/config_dump') return send(res, 200, 'application/json', JSON.stringify(deps.configDump(), null, 2));
    if (path === '/logging' && deps.logLevel) return logging(req, res, new URLSearchParams(query), deps.logLevel);
    if (path === '/quitquitquit' && deps.quit) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'method not allowed: POST /quitquitquit\n');
      const quit = deps.quit;
      res.once('close', () => quit()); // after the answer is out, or when the caller hung up first
      return send(res, 200, 'text/plain', 'shutting down\n');
    }
    send(res, 404, 'text/plain', 'not found\n');
  };
  const metrics: Handler = async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/stats/prometheus') return send(res, 404, 'text/plain', 'not found\n');
    send(res, 200, deps.registry.contentType, await deps.registry.metrics());
  };
  const readiness: Handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz/ready') return send(res, 404, 'text/plain', 'not found\n');
    if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed\n');
    const pending = deps.pending();
    if (pending.length === 0) return send(res, 200, 'text/plain', 'ready\n');
    send(res, 500, 'text/plain', `not ready: ${pending.join(', ')}\n`);
  };
  const servers = [
    { handler: admin, address: config.adminAddress, port: config.adminPort },
    { handler: metrics, address: config.metricsAddress, port: config.metricsPort },
    { handler: readiness, address: config.metricsAddress, port: config.readinessPort },
  ].map((s) => ({ ...s, server: http.createServer((req, res) => serve(s.handler, req, res)) }));

  return {
    async start() {
      const infos = await Promise.all(
        servers.map(
          (s) =>
            listenOn(s.server, s.port, s.address),
        ),
      );
      return { admin: infos[0]!, metrics: infos[1]!, readiness: infos[2]! };
    },
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s.server.listening) return resolve();
              s.server.close(() => resolve());
              s.server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** `/logging`, POST only as Istio's ztunnel: list, set (`level=`) or reset (`reset`) the process log level. */
function logging(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams, control: LevelControl): void {
  if (req.method !== 'POST') return send(res, 405, 'text/plain', `method not allowed\n${LOGGING_USAGE}`);
  const level = params.get('level');
  if (level !== null && !isLogLevel(level)) return send(res, 400, 'text/plain', `unknown level "${level}"\n${LOGGING_USAGE}`);
  if (params.has('reset')) control.reset();
  if (level !== null) control.set(level);
  send(res, 200, 'text/plain', `current log level is ${control.get()}\n`);
}

/**
 * Runs a handler so that any failure, synchronous throw included, becomes a 500 for that request: a throw from the
 * `request` listener itself (a config_dump that cannot be built, say) would be an uncaught exception ending the
 * ztunnel.
 */
function serve(handler: Handler, req: http.IncomingMessage, res: http.ServerResponse): void {
  void Promise.resolve()
    .then(() => handler(req, res))
    .catch(() => {
      // Once the head is out a 500 can no longer be sent: cut the response short instead.
      if (res.headersSent) return void res.destroy();
      send(res, 500, 'text/plain', 'error\n');
    });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
