/**
 * The whole L7 path with real components, in one process: SOCKS5 client → ztunnel (node A) → waypoint Envoy (real,
 * programmed by the control plane over TLS xDS with SDS certificates) → ztunnel (node B) → app. Covers a 90/10
 * HTTPRoute split and header canary routing as an application sees them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../../src/cli/controlplane.js';
import { startZtunnelProcess } from '../../src/cli/ztunnel.js';
import { PORTS } from '../../src/shared/constants.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createWaypointEnvoy, type WaypointEnvoy } from '../../src/waypoint/envoy/index.js';
import { readFileSync } from 'node:fs';
import { envoyOrSkip } from '../support/envoy.js';
import { httpGetOver, socks5Connect } from '../support/socks5.js';

const envoy = envoyOrSkip();
const CP = '127.0.20.20';
const NODE_A = '127.0.22.20';
const NODE_B = '127.0.22.21';
const CLIENT = '127.0.23.20';
const V1 = '127.0.23.21';
const V2 = '127.0.23.22';
const WAYPOINT = '127.0.21.20';

const CONFIG = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint } }
---
apiVersion: v1
kind: Node
metadata: { name: node-a }
status: { addresses: [{ type: InternalIP, address: ${NODE_A} }] }
---
apiVersion: v1
kind: Node
metadata: { name: node-b }
status: { addresses: [{ type: InternalIP, address: ${NODE_B} }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
spec: { nodeName: node-a, serviceAccountName: client }
status: { podIP: ${CLIENT} }
---
apiVersion: v1
kind: Pod
metadata: { name: cart-v1, namespace: shop, labels: { app: cart, version: v1 } }
spec: { nodeName: node-b, serviceAccountName: cart }
status: { podIP: ${V1} }
---
apiVersion: v1
kind: Pod
metadata: { name: cart-v2, namespace: shop, labels: { app: cart, version: v2 } }
spec: { nodeName: node-b, serviceAccountName: cart }
status: { podIP: ${V2} }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { clusterIP: 10.96.60.10, selector: { app: cart }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: cart-v1, namespace: shop, labels: { istio.io/use-waypoint: none } }
spec: { clusterIP: 10.96.60.11, selector: { app: cart, version: v1 }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: cart-v2, namespace: shop, labels: { istio.io/use-waypoint: none } }
spec: { clusterIP: 10.96.60.12, selector: { app: cart, version: v2 }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: waypoint, namespace: shop }
spec:
  gatewayClassName: istio-waypoint
  addresses: [{ type: IPAddress, value: ${WAYPOINT} }]
  listeners: [{ name: mesh, port: 15008, protocol: HBONE }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cart, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: cart, port: 80 }]
  rules:
    - matches: [{ headers: [{ name: x-canary, value: "yes" }] }]
      backendRefs: [{ name: cart-v2, port: 80 }]
    - backendRefs: [{ name: cart-v1, port: 80, weight: 90 }, { name: cart-v2, port: 80, weight: 10 }]
`;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function viaMesh(headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { reply, socket } = await socks5Connect({ host: NODE_A, port: PORTS.socks5 }, { host: 'cart.shop.svc.cluster.local', port: 80 }, CLIENT);
  if (reply !== 0) {
    socket.destroy();
    throw new Error(`SOCKS5 reply ${reply}`);
  }
  return httpGetOver(socket, 'cart.shop.svc.cluster.local', '/items', headers);
}

describe('SOCKS5 → ztunnel → waypoint Envoy → ztunnel → app', { skip: 'skip' in envoy ? envoy.skip : false }, () => {
  const dirs = { config: '', state: '' };
  const closers: (() => Promise<unknown>)[] = [];
  let plane: ControlPlaneProcess;
  let waypoint: WaypointEnvoy;

  before(async () => {
    dirs.config = mkdtempSync(join(tmpdir(), 'ambit-wp-e2e-config-'));
    dirs.state = mkdtempSync(join(tmpdir(), 'ambit-wp-e2e-state-'));
    writeFileSync(join(dirs.config, 'shop.yaml'), CONFIG);
    for (const [ip, name] of [[V1, 'v1'], [V2, 'v2']] as const) {
      const server = http.createServer((req, res) => res.end(JSON.stringify({ app: name, peer: req.headers['x-ambit-peer-principal'] ?? null })));
      await new Promise<void>((resolve) => server.listen(8080, ip, resolve));
      closers.push(() => new Promise((r) => server.close(r)));
    }
    plane = await startControlPlaneProcess(
      {
        configDir: dirs.config, stateDir: dirs.state, trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes',
        admin: { host: CP, port: 0 }, grpcTls: { host: CP, port: PORTS.xdsTls }, debounceMs: 50,
      },
      silentLogger,
      new Registry(),
    );
    closers.push(() => plane.close());
    for (const [node, address] of [['node-a', NODE_A], ['node-b', NODE_B]] as const) {
      const z = await startZtunnelProcess(
        {
          node, address, stateDir: dirs.state, xdsAddress: `${CP}:${PORTS.xdsTls}`, caAddress: `${CP}:${PORTS.xdsTls}`,
          tokenFile: join(dirs.state, 'tokens', `node-${node}.token`), rootCertFile: join(dirs.state, 'ca', 'root-cert.pem'),
          serverName: 'istiod', certTtlSeconds: 3600, domainSuffix: 'cluster.local', adminAddress: address,
          ports: { hbone: PORTS.hbone, socks5: PORTS.socks5, inboundPlaintext: PORTS.inboundPlaintext, admin: PORTS.admin, metrics: PORTS.metrics, readiness: PORTS.readiness },
        },
        silentLogger,
        new Registry(),
      );
      closers.push(() => z.close());
    }
    const tokenFile = join(dirs.state, 'tokens', 'waypoint-shop-waypoint.token');
    const token = await waitFor('waypoint token', async () => readFileSync(tokenFile, 'utf8'));
    waypoint = createWaypointEnvoy({
      envoyPath: (envoy as { path: string }).path,
      gateway: { namespace: 'shop', name: 'waypoint', address: WAYPOINT },
      xdsAddress: `${CP}:${PORTS.xdsTls}`,
      rootsPem: [readFileSync(join(dirs.state, 'ca', 'root-cert.pem'), 'utf8')],
      token,
      workDir: dirs.state,
      logger: silentLogger,
    });
    closers.push(() => waypoint.close());
    await waypoint.start();
    await waitFor('waypoint listeners', async () => ((await fetch(`${waypoint.adminAddress}/ready`)).ok ? true : undefined));
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    rmSync(dirs.config, { recursive: true, force: true });
    rmSync(dirs.state, { recursive: true, force: true });
  });

  it('routes through the waypoint with the HBONE peer identity, header canary and a 90/10 split', async () => {
    const first = await waitFor('a response through the waypoint', async () => {
      const r = await viaMesh();
      return r.status === 200 ? r : undefined;
    });
    assert.equal(JSON.parse(first.body).peer, 'spiffe://cluster.local/ns/shop/sa/client', 'the app saw the client identity the waypoint learned from HBONE');
    for (let i = 0; i < 10; i++) assert.equal(JSON.parse((await viaMesh({ 'x-canary': 'yes' })).body).app, 'v2');
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => viaMesh()));
      for (const a of answers) {
        assert.equal(a.status, 200, a.body);
        const app = (JSON.parse(a.body) as { app: string }).app;
        counts[app] = (counts[app] ?? 0) + 1;
      }
    }
    const v2Share = ((counts.v2 ?? 0) / 1000) * 100;
    assert.ok(Math.abs(v2Share - 10) <= 3, `v2 got ${v2Share}% (${JSON.stringify(counts)})`);
  });
});
