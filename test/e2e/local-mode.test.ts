/**
 * End to end through `ambit up` as a user runs it: a child process with a config directory, two nodes on loopback,
 * real HTTP servers bound to pod IPs, SOCKS5 clients. Covers: traffic SOCKS5 → HBONE → app across nodes, a policy
 * edit taking effect without restart, a waypoint (real Envoy + brain) started from a Gateway added at run time with
 * HTTPRoute routing through it, the ztunnel admin's /logging and /quitquitquit, and a clean shutdown on SIGINT.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGetOver, socks5Connect } from '../support/socks5.js';
import { envoyOrSkip } from '../support/envoy.js';

const CP = '127.0.50.1';
const NODE_A = '127.0.50.11';
const NODE_B = '127.0.50.12';
const CLIENT = '127.0.51.1';
const SERVER_V1 = '127.0.51.2';
const SERVER_V2 = '127.0.51.3';
const WAYPOINT = '127.0.52.21';

const BASE = `
apiVersion: v1
kind: Namespace
metadata: { name: demo, labels: { istio.io/dataplane-mode: ambient } }
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
metadata: { name: client, namespace: demo, labels: { app: client } }
spec: { nodeName: node-a, serviceAccountName: client }
status: { podIP: ${CLIENT} }
---
apiVersion: v1
kind: Pod
metadata: { name: server-v1, namespace: demo, labels: { app: server, version: v1 } }
spec: { nodeName: node-b, serviceAccountName: server }
status: { podIP: ${SERVER_V1} }
---
apiVersion: v1
kind: Pod
metadata: { name: server-v2, namespace: demo, labels: { app: server, version: v2 } }
spec: { nodeName: node-b, serviceAccountName: server }
status: { podIP: ${SERVER_V2} }
---
apiVersion: v1
kind: Service
metadata: { name: server, namespace: demo }
spec:
  clusterIP: 10.96.50.10
  selector: { app: server }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: server-v2, namespace: demo }
spec:
  clusterIP: 10.96.50.12
  selector: { app: server, version: v2 }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

const DENY_CLIENT = `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-client, namespace: demo }
spec:
  selector: { matchLabels: { app: server } }
  action: DENY
  rules: [{ from: [{ source: { principals: ["cluster.local/ns/demo/sa/client"] } }] }]
`;

const WAYPOINT_CFG = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: waypoint, namespace: demo }
spec:
  gatewayClassName: istio-waypoint
  addresses: [{ type: IPAddress, value: ${WAYPOINT} }]
  listeners: [{ name: mesh, port: 15008, protocol: HBONE }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: canary, namespace: demo }
spec:
  parentRefs: [{ group: "", kind: Service, name: server, port: 80 }]
  rules:
    - matches: [{ headers: [{ name: x-canary, value: "yes" }] }]
      backendRefs: [{ name: server-v2, port: 80 }]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: x-routed-by, value: ambit-waypoint }] }
    - backendRefs: [{ name: server, port: 80 }]
      filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier: { set: [{ name: x-routed-by, value: ambit-waypoint }] }
`;

let configDir = '';
let stateDir = '';
let up: ChildProcess | undefined;
let upExit: Promise<number | null> | undefined;
const servers: http.Server[] = [];
let output = '';

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
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}\n--- ambit up output (tail) ---\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function app(ip: string, name: string): Promise<void> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-served-by', name);
    res.end(`hello from ${name}, path=${req.url}, peer=${req.socket.remoteAddress}`);
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`app ${name} cannot listen on ${ip}:8080 (a leftover process?)`, { cause: err })));
    server.listen(8080, ip, resolve);
  });
}

async function getViaMesh(host: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string>; body: string } | { reply: number }> {
  const { reply, socket } = await socks5Connect({ host: NODE_A, port: 15080 }, { host, port: 80 }, CLIENT);
  if (reply !== 0) {
    socket.destroy();
    return { reply };
  }
  return httpGetOver(socket, host, '/hello', headers).catch(() => ({ reply: -1 }));
}

before(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'ambit-e2e-config-'));
  stateDir = mkdtempSync(join(tmpdir(), 'ambit-e2e-state-'));
  writeFileSync(join(configDir, 'mesh.yaml'), BASE);
  await app(SERVER_V1, 'server-v1');
  await app(SERVER_V2, 'server-v2');
  up = spawn(process.execPath, ['bin/ambit.js', 'up', '--config-dir', configDir, '--state-dir', stateDir,
    '--listen', CP, '--grpc-listen', CP, '--plaintext-port=-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  up.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  up.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const child = up;
  upExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  for (const node of [NODE_A, NODE_B]) {
    await waitFor(`ztunnel ${node} ready`, async () => ((await fetch(`http://${node}:15021/healthz/ready`)).ok ? true : undefined));
  }
});

after(async () => {
  if (up && up.exitCode === null) {
    up.kill('SIGKILL');
    await upExit;
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(configDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

test('SOCKS5 → HBONE → app across two nodes, identity and workloads visible in the control plane', async () => {
  const res = await waitFor('a response through the mesh', async () => {
    const r = await getViaMesh('server.demo.svc.cluster.local');
    return 'status' in r ? r : undefined;
  });
  assert.equal(res.status, 200);
  assert.match(res.body, /^hello from server-v[12], path=\/hello/);
  const short = await getViaMesh('server.demo');
  assert.ok('status' in short && short.status === 200, 'name.ns form resolves');
  const workloads = (await (await fetch(`http://${CP}:15014/debug/workloads`)).json()) as unknown;
  const text = JSON.stringify(workloads);
  assert.ok(text.includes('spiffe://cluster.local/ns/demo/sa/client'), 'client identity listed');
  assert.ok(text.includes('node-b'), 'server node listed');
});

test('a DENY policy written to the config dir takes effect without a restart, and removing it restores access', async () => {
  writeFileSync(join(configDir, 'deny.yaml'), DENY_CLIENT);
  await waitFor('the deny policy to apply', async () => {
    const r = await getViaMesh('server.demo.svc.cluster.local');
    return 'status' in r ? undefined : r;
  });
  rmSync(join(configDir, 'deny.yaml'));
  const res = await waitFor('access to return', async () => {
    const r = await getViaMesh('server.demo.svc.cluster.local');
    return 'status' in r ? r : undefined;
  });
  assert.equal(res.status, 200);
});

test('a waypoint Gateway added at run time starts Envoy + brain; HTTPRoute header routing applies through it', async (t) => {
  const envoy = envoyOrSkip();
  if ('skip' in envoy) return t.skip(envoy.skip);
  writeFileSync(join(configDir, 'waypoint.yaml'), WAYPOINT_CFG);
  // Enrol the namespace in the waypoint.
  writeFileSync(join(configDir, 'mesh.yaml'), BASE.replace('istio.io/dataplane-mode: ambient }', 'istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint }'));
  const routed = await waitFor('traffic routed by the waypoint', async () => {
    const r = await getViaMesh('server.demo.svc.cluster.local');
    return 'status' in r && r.headers['x-routed-by'] === 'ambit-waypoint' ? r : undefined;
  }, 45_000);
  assert.equal(routed.status, 200);
  for (let i = 0; i < 5; i++) {
    const canary = await getViaMesh('server.demo.svc.cluster.local', { 'x-canary': 'yes' });
    assert.ok('status' in canary, `canary request answered: ${JSON.stringify(canary)}\n${output.slice(-3000)}`);
    assert.equal(canary.headers['x-served-by'], 'server-v2', 'header match routes to the v2 backend');
  }
  type View = { waypoints: { key: string; addresses: { value: string }[]; conditions: { type: string; status: string }[] }[]; httpRoutes: { key: string; parents: { conditions: { type: string; status: string }[] }[] }[] };
  const view = (await (await fetch(`http://${CP}:15014/debug/waypoints`)).json()) as View;
  const wp = view.waypoints.find((w) => w.key === 'demo/waypoint');
  assert.ok(wp, `waypoint listed: ${JSON.stringify(view).slice(0, 2000)}`);
  assert.deepEqual(wp.addresses.map((a) => a.value), [WAYPOINT]);
  assert.equal(wp.conditions.find((c) => c.type === 'Programmed')?.status, 'True', 'Programmed once Envoy ACKed its listeners');
  const route = view.httpRoutes.find((r) => r.key === 'demo/canary');
  assert.equal(route?.parents[0]?.conditions.find((c) => c.type === 'ResolvedRefs')?.status, 'True', JSON.stringify(route));
});

test('a ztunnel admin port changes the log level at run time, and /quitquitquit restarts that ztunnel gracefully', async () => {
  const admin = (path: string, method = 'POST') => fetch(`http://${NODE_B}:15000${path}`, { method }).then(async (r) => `${r.status} ${await r.text()}`);
  assert.equal(await admin('/logging?level=debug'), '200 current log level is debug\n');
  assert.equal(await admin('/logging'), '200 current log level is debug\n');
  assert.equal(await admin('/logging?reset'), '200 current log level is info\n');
  assert.match(await admin('/logging?level=loud'), /^400 unknown level "loud"/);
  assert.match(await admin('/quitquitquit', 'GET'), /^405 /);
  const before = output.length;
  assert.equal(await admin('/quitquitquit'), '200 shutting down\n');
  await waitFor('node-b ztunnel to log its shutdown', async () => (output.slice(before).includes('admin /quitquitquit') ? true : undefined));
  await waitFor('node-b ztunnel to be restarted by ambit up', async () => (/process exited; restarting/.test(output.slice(before)) ? true : undefined));
  // The waypoint's Envoy may answer 503 while its pooled HBONE connection to the old process is replaced.
  const res = await waitFor('traffic through the restarted ztunnel', async () => {
    const r = await getViaMesh('server.demo.svc.cluster.local');
    return 'status' in r && r.status === 200 ? r : undefined;
  });
  assert.match(res.body, /^hello from server-v[12]/);
});

test('SIGINT stops every process and frees the ports', async () => {
  up!.kill('SIGINT');
  const code = await Promise.race([upExit, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.equal(code, 0, `ambit up exited with ${String(code)}`);
  for (const [host, port] of [[NODE_A, 15080], [NODE_B, 15008], [CP, 15012], [WAYPOINT, 15008]] as const) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
    assert.ok(free, `${host}:${port} released`);
  }
});
