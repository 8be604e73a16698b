/**
 * The whole L7 path with real components, in one process: SOCKS5 client → ztunnel (node A) → waypoint Envoy (real,
 * programmed by the control plane over TLS xDS with SDS certificates) → ztunnel (node B) → app. Covers the HBONE
 * peer identity reaching the app, header canary routing and a 90/10 HTTPRoute split as an application sees them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PORTS } from '../../src/shared/constants.js';
import { envoyOrSkip } from '../support/envoy.js';
import { httpGetOver, socks5Connect } from '../support/socks5.js';
import { startMeshHarness, waitFor, type MeshAddresses, type MeshHarness } from './support/mesh-harness.js';

const envoy = envoyOrSkip();
const A: MeshAddresses = { cp: '127.0.20.20', nodeA: '127.0.22.20', nodeB: '127.0.22.21', client: '127.0.23.20', v1: '127.0.23.21', v2: '127.0.23.22', waypoint: '127.0.21.20' };

async function viaMesh(host: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { reply, socket } = await socks5Connect({ host: A.nodeA, port: PORTS.socks5 }, { host, port: 80 }, A.client);
  if (reply !== 0) {
    socket.destroy();
    throw new Error(`SOCKS5 reply ${reply}`);
  }
  return httpGetOver(socket, host, '/items', headers);
}

describe('SOCKS5 → ztunnel → waypoint Envoy → ztunnel → app', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  let mesh: MeshHarness;

  before(async () => {
    mesh = await startMeshHarness({ envoyPath: (envoy as { path: string }).path, addresses: A });
  });

  after(async () => {
    await mesh?.close();
  });

  it('routes through the waypoint with the HBONE peer identity, header canary and a 90/10 split', async () => {
    const cart = 'cart.shop.svc.cluster.local';
    const first = await waitFor('a response through the waypoint', async () => {
      const r = await viaMesh(cart);
      return r.status === 200 ? r : undefined;
    });
    assert.equal(JSON.parse(first.body).peer, 'spiffe://cluster.local/ns/shop/sa/client', 'the app saw the client identity the waypoint learned from HBONE');
    for (let i = 0; i < 10; i++) assert.equal(JSON.parse((await viaMesh(cart, { 'x-canary': 'yes' })).body).app, 'v2');
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => viaMesh(cart)));
      for (const a of answers) {
        assert.equal(a.status, 200, a.body);
        const app = (JSON.parse(a.body) as { app: string }).app;
        counts[app] = (counts[app] ?? 0) + 1;
      }
    }
    const v2Share = ((counts.v2 ?? 0) / 1000) * 100;
    assert.ok(Math.abs(v2Share - 10) <= 3, `v2 got ${v2Share}% (${JSON.stringify(counts)})`);
  });

  it('keeps services that opt out of the waypoint on the ztunnel-only path', async () => {
    const direct = await viaMesh('cart-v1.shop.svc.cluster.local');
    assert.equal(direct.status, 200);
    assert.deepEqual(JSON.parse(direct.body), { app: 'v1', peer: null, bytes: 0 }, 'no waypoint headers without the waypoint');
  });
});
