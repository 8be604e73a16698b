/** The admin, metrics and readiness ports answer 500 when building a response throws, and keep serving. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdminServers, type AdminServers } from '../../src/ztunnel/admin/http-servers.js';
import { Registry } from '../../src/ztunnel/metrics.js';

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
