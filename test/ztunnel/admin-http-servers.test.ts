/**
 * The admin, metrics and readiness ports answer 500 when building a response throws, and keep serving; `/logging`
 * and `/quitquitquit` behave as Istio's ztunnel's (POST only).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdminServers, type AdminServers } from '../../src/ztunnel/admin/http-servers.js';
import { Registry } from '../../src/ztunnel/metrics.js';
import { createLevelControl, createLogger } from '../../src/shared/telemetry/logger.js';

const ADDR = '127.0.84.1';

describe('ztunnel admin HTTP servers', () => {
  let servers: AdminServers;
  let ports: Awaited<ReturnType<AdminServers['start']>>;
  let broken = true;
  const uncaught: unknown[] = [];
  // Without this listener a throw from the request listener ends the test process; with it, the test can assert none.
  const onUncaught = (e: unknown): void => void uncaught.push(e);

  before(async () => {
    process.on('uncaughtException', onUncaught);
    const fail = (what: string): never => {
      throw new Error(`${what} unavailable`);
    };
    servers = createAdminServers(
      { adminAddress: ADDR, adminPort: 0, metricsAddress: ADDR, metricsPort: 0, readinessPort: 0 },
      { registry: new Registry(), configDump: () => (broken ? fail('config dump') : { ok: true }), pending: () => (broken ? fail('readiness') : []) },
    );
    ports = await servers.start();
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    await servers?.close();
  });

  /** Status of GET `path`; a request left unanswered shows as the abort error after 2 s. */
  const status = async (port: number, path: string): Promise<number> =>
    (await fetch(`http://${ADDR}:${port}${path}`, { signal: AbortSignal.timeout(2000) })).status;

  it('answers 500 when a handler throws synchronously, and keeps serving', async () => {
    assert.equal(await status(ports.admin.port, '/config_dump'), 500);
    assert.equal(await status(ports.readiness.port, '/healthz/ready'), 500);
    assert.deepEqual(uncaught.map(String), [], 'no uncaught exception (it would end a ztunnel)');
    broken = false;
    assert.equal(await status(ports.admin.port, '/config_dump'), 200);
    assert.equal(await status(ports.readiness.port, '/healthz/ready'), 200);
    assert.equal(await status(ports.metrics.port, '/metrics'), 200);
  });
});

describe('ztunnel admin /logging and /quitquitquit', () => {
  const level = createLevelControl('info');
  const lines: string[] = [];
  const logger = createLogger({ control: level, write: (l) => void lines.push(l) }).child({ component: 'test' });
  let quits = 0;
  let servers: AdminServers;
  let port = 0;
  before(async () => {
    servers = createAdminServers(
      { adminAddress: ADDR, adminPort: 0, metricsAddress: ADDR, metricsPort: 0, readinessPort: 0 },
      { registry: new Registry(), configDump: () => ({}), pending: () => [], logLevel: level, quit: () => void quits++ },
    );
    port = (await servers.start()).admin.port;
  });
  after(() => servers?.close());
  const call = async (path: string, method = 'POST'): Promise<string> => {
    const r = await fetch(`http://${ADDR}:${port}${path}`, { method, signal: AbortSignal.timeout(2000) });
    return `${r.status} ${await r.text()}`;
  };

  it('lists, sets and resets the level that every logger made from the control follows', async () => {
    logger.debug('hidden');
    assert.equal(await call('/logging'), '200 current log level is info\n');
    assert.equal(await call('/logging?level=debug'), '200 current log level is debug\n');
    logger.debug('shown');
    assert.equal(await call('/logging?reset'), '200 current log level is info\n');
    logger.debug('hidden again');
    assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ['shown'], 'a child logger follows the shared level');
    assert.match(await call('/logging?level=verbose'), /^400 unknown level "verbose"\nusage: POST \/logging/);
    assert.match(await call('/logging', 'GET'), /^405 method not allowed\nusage:/);
    assert.equal(level.get(), 'info', 'a refused request changes nothing');
  });

  it('quits once the answer is sent, on POST only', async () => {
    assert.match(await call('/quitquitquit', 'GET'), /^405 /);
    assert.equal(quits, 0);
    assert.equal(await call('/quitquitquit'), '200 shutting down\n');
    for (let i = 0; i < 50 && quits === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(quits, 1);
  });

  it('without the controls both paths are 404', async () => {
    const bare = createAdminServers({ adminAddress: ADDR, adminPort: 0, metricsAddress: ADDR, metricsPort: 0, readinessPort: 0 }, { registry: new Registry(), configDump: () => ({}), pending: () => [] });
    const p = (await bare.start()).admin.port;
    try {
      for (const path of ['/logging', '/quitquitquit']) assert.equal((await fetch(`http://${ADDR}:${p}${path}`, { method: 'POST' })).status, 404);
    } finally {
      await bare.close();
    }
  });
});
