/** Inbound delivery: policy is checked before the upstream dial and again once it completes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { createStateStore } from '../../src/ztunnel/state/store.js';
import { authorizeAndConnect, connectTcp } from '../../src/ztunnel/inbound/deliver.js';
import { match, policy, workload } from './support/mesh.js';

test('a DENY policy that arrives while the upstream dial is in flight wins: 401, upstream closed', async () => {
  const state = createStateStore({ nodeName: 'n1' });
  const app = workload({ name: 'app', ip: '127.0.0.1', node: 'n1', policies: ['default/deny-web'] });
  state.upsertWorkload(app);
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  let dialed: net.Socket | undefined;
  let releaseDial!: () => void;
  const gate = new Promise<void>((r) => (releaseDial = r));
  // A dial that completes only when the test says so, as a slow SYN/ACK would.
  const slowDial: typeof connectTcp = async (host, p, ms) => {
    await gate;
    dialed = await connectTcp(host, p, ms);
    return dialed;
  };
  const target = { workload: app, ip: '127.0.0.1', port, sourceIdentity: 'spiffe://cluster.local/ns/web/sa/web', sourceIp: '127.0.0.2' };
  try {
    const pending = authorizeAndConnect(state, target, 5000, slowDial);
    state.upsertPolicy(policy({ name: 'deny-web', action: 'DENY', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'web' }] })]]] }));
    releaseDial();
    const result = await pending;
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.status === 401 && result.flag === 'DENY', JSON.stringify(!result.ok && result.error));
    assert.equal(!result.ok && result.policy?.name, 'default/deny-web');
    assert.ok(dialed?.destroyed, 'the upstream socket is closed');
    // Without the late policy the same dial is delivered.
    state.removePolicy('default/deny-web');
    const ok = await authorizeAndConnect(state, target, 5000);
    assert.equal(ok.ok, true);
    if (ok.ok) ok.upstream.destroy();

    // A selector-scoped DENY arrives as a new policy plus an updated Workload that names it: the re-check must use
    // the workload as it is after the dial, not the object the connection started with.
    const plainApp = workload({ name: 'app', ip: '127.0.0.1', node: 'n1' });
    state.upsertWorkload(plainApp);
    let release2!: () => void;
    const gate2 = new Promise<void>((r) => (release2 = r));
    const pending2 = authorizeAndConnect(state, { ...target, workload: plainApp }, 5000, async (host, p, ms) => {
      await gate2;
      dialed = await connectTcp(host, p, ms);
      return dialed;
    });
    state.upsertPolicy(policy({ name: 'deny-web-selected', action: 'DENY', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'web' }] })]]] }));
    state.upsertWorkload(workload({ name: 'app', ip: '127.0.0.1', node: 'n1', policies: ['default/deny-web-selected'] }));
    release2();
    const result2 = await pending2;
    assert.ok(!result2.ok && result2.flag === 'DENY' && result2.policy?.name === 'default/deny-web-selected', JSON.stringify(result2.ok ? 'delivered' : result2.error));
  } finally {
    server.close();
  }
});
