/** Graceful shutdown: a draining ztunnel refuses new work but lets live connections finish before the deadline. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createFakeCa } from './support/fake-ca.js';
import { echoServer, socksConnect, startNode, workload } from './support/mesh.js';

const NODE_A = '127.0.12.41';
const NODE_B = '127.0.12.42';
const CLIENT = '127.0.13.41';
const ECHO = '127.0.13.42';

test('close(drainMs) lets established connections finish, then returns', async () => {
  const ca = await createFakeCa();
  const nodes = new Map([['da', NODE_A], ['db', NODE_B]]);
  const a = await startNode('da', NODE_A, ca, nodes, silentLogger);
  const b = await startNode('db', NODE_B, ca, nodes, silentLogger);
  const echo = await echoServer(ECHO, 8080);
  try {
    for (const n of [a, b]) {
      n.zt.state.upsertWorkload(workload({ name: 'client', ip: CLIENT, node: 'da' }));
      n.zt.state.upsertWorkload(workload({ name: 'echo', ip: ECHO, node: 'db' }));
    }
    const live = await socksConnect({ host: NODE_A, port: a.ports.socks5.port }, { ip: ECHO, port: 8080 }, CLIENT);
    assert.equal(live.reply, 0);
    const ping = (text: string): Promise<string> =>
      new Promise((resolve) => {
        live.socket.once('data', (d: Buffer) => resolve(d.toString()));
        live.socket.resume();
        live.socket.write(text);
      });
    assert.equal(await ping('one'), 'one');
    const started = Date.now();
    const closing = a.zt.close(5000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await ping('during drain'), 'during drain', 'established connection keeps flowing while draining');
    const ready = await fetch(`http://${NODE_A}:${a.ports.readiness.port}/healthz/ready`).catch(() => undefined);
    assert.notEqual(ready?.status, 200, 'not ready while draining');
    live.socket.end();
    await closing;
    assert.ok(Date.now() - started < 4000, 'returned once the connection finished, before the deadline');
  } finally {
    await Promise.all([a.zt.close(), b.zt.close(), echo.close()]);
    await ca.close();
  }
});
