/**
 * An in-process mesh for waypoint tests and benchmarks: the control plane (TLS xDS + CA, config from a directory),
 * two node ztunnels, a real waypoint Envoy for `shop/waypoint`, and two HTTP apps (`cart` v1/v2) on node B.
 * Service `cart` goes through the waypoint (HTTPRoute: header canary + 90/10); `cart-v1`/`cart-v2` opt out
 * (`istio.io/use-waypoint: none`), giving a ztunnel-only path to the same app.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startControlPlaneProcess } from '../../../src/cli/controlplane.js';
import { startZtunnelProcess } from '../../../src/cli/ztunnel.js';
import { PORTS } from '../../../src/shared/constants.js';
import { AMBIT_PROTO_DIR } from '../../../src/shared/proto/paths.js';
import { silentLogger } from '../../../src/shared/telemetry/logger.js';
import { createWaypointEnvoy, type WaypointEnvoy } from '../../../src/waypoint/envoy/index.js';

export interface MeshAddresses {
  readonly cp: string;
  readonly nodeA: string;
  readonly nodeB: string;
  readonly client: string;
  readonly v1: string;
  readonly v2: string;
  readonly waypoint: string;
}

export interface MeshHarness {
  readonly waypoint: WaypointEnvoy;
  close(): Promise<void>;
}

export function shopConfig(a: MeshAddresses): string {
  const [NODE_A, NODE_B, CLIENT, V1, V2, WAYPOINT] = [a.nodeA, a.nodeB, a.client, a.v1, a.v2, a.waypoint];
  return `
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
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
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

/** Apps answer `{"app": "v1"|"v2", "peer": <x-ambit-peer-principal>, "bytes": <request body length>}`. */
function startApp(ip: string, name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.end(JSON.stringify({ app: name, peer: req.headers['x-ambit-peer-principal'] ?? null, bytes })));
  });
  return new Promise((resolve) => server.listen(8080, ip, () => resolve(server)));
}

/** `ambit ztunnel` as a child process (its own event loop and core, as `ambit up` runs it); resolves when ready. */
async function spawnZtunnel(node: string, address: string, state: string, xds: string): Promise<() => Promise<unknown>> {
  const bin = join(AMBIT_PROTO_DIR, '..', 'bin', 'ambit.js');
  const child = spawn(process.execPath, [bin, 'ztunnel', '--node', node, '--address', address, '--state-dir', state, '--xds-address', xds, '--admin-address', address, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<unknown> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    await waitFor(`ztunnel ${node} ready`, async () => ((await fetch(`http://${address}:${PORTS.readiness}/healthz/ready`)).ok ? true : undefined));
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}

export async function startMeshHarness(opts: { envoyPath: string; addresses: MeshAddresses; ztunnelProcesses?: boolean }): Promise<MeshHarness> {
  const a = opts.addresses;
  const closers: (() => Promise<unknown>)[] = [];
  const config = mkdtempSync(join(tmpdir(), 'ambit-wp-mesh-config-'));
  const state = mkdtempSync(join(tmpdir(), 'ambit-wp-mesh-state-'));
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    rmSync(config, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(config, 'shop.yaml'), shopConfig(a));
    for (const [ip, name] of [[a.v1, 'v1'], [a.v2, 'v2']] as const) {
      const server = await startApp(ip, name);
      closers.push(() => new Promise((r) => server.close(r)));
    }
    const xds = `${a.cp}:${PORTS.xdsTls}`;
    const plane = await startControlPlaneProcess(
      {
        configDir: config, stateDir: state, trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes',
        admin: { host: a.cp, port: 0 }, grpcTls: { host: a.cp, port: PORTS.xdsTls }, debounceMs: 50,
      },
      silentLogger,
      new Registry(),
    );
    closers.push(() => plane.close());
    for (const [node, address] of [['node-a', a.nodeA], ['node-b', a.nodeB]] as const) {
      if (opts.ztunnelProcesses) {
        closers.push(await spawnZtunnel(node, address, state, xds));
        continue;
      }
      const z = await startZtunnelProcess(
        {
          node, address, stateDir: state, xdsAddress: xds, caAddress: xds,
          tokenFile: join(state, 'tokens', `node-${node}.token`), rootCertFile: join(state, 'ca', 'root-cert.pem'),
          serverName: 'istiod', certTtlSeconds: 3600, domainSuffix: 'cluster.local', adminAddress: address,
          ports: { hbone: PORTS.hbone, socks5: PORTS.socks5, inboundPlaintext: PORTS.inboundPlaintext, admin: PORTS.admin, metrics: PORTS.metrics, readiness: PORTS.readiness },
        },
        silentLogger,
        new Registry(),
      );
      closers.push(() => z.close());
    }
    const token = await waitFor('waypoint token', async () => readFileSync(join(state, 'tokens', 'waypoint-shop-waypoint.token'), 'utf8'));
    const waypoint = createWaypointEnvoy({
      envoyPath: opts.envoyPath,
      gateway: { namespace: 'shop', name: 'waypoint', address: a.waypoint },
      xdsAddress: xds,
      rootsPem: [readFileSync(join(state, 'ca', 'root-cert.pem'), 'utf8')],
      token,
      workDir: state,
      logger: silentLogger,
    });
    closers.push(() => waypoint.close());
    await waypoint.start();
    await waitFor('waypoint listeners', async () => ((await fetch(`${waypoint.adminAddress}/ready`)).ok ? true : undefined));
    return { waypoint, close };
  } catch (err) {
    await close();
    throw err;
  }
}
