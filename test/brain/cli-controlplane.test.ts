/**
 * Whole chain with real processes: `ambit controlplane` (config dir: Service bound to a waypoint, AuthorizationPolicy
 * and RequestAuthentication targeting it, debug Gateway) → `ambit brain` (TLS xDS with the waypoint's token, node id
 * `brain~…`) → Check over gRPC on `<waypoint address>:15031`, metrics on :15020, readiness on :15021.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authClient, checkRequest, jwtIssuer } from './support/check-client.js';

const BIN = fileURLToPath(new URL('../../../bin/ambit.js', import.meta.url));
const CP_HOST = '127.0.30.9';
const WAYPOINT = '127.0.30.10';
const issuer = jwtIssuer();

const CONFIG = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Service
metadata: {name: products, namespace: shop, labels: {istio.io/use-waypoint: waypoint}}
spec:
  clusterIP: 10.96.30.10
  ports: [{name: http, port: 9080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: shop, annotations: {ambit.dev/debug: "true"}}
spec:
  gatewayClassName: istio-waypoint
  addresses: [{type: IPAddress, value: ${WAYPOINT}}]
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: products-read, namespace: shop}
spec:
  targetRefs: [{kind: Service, group: "", name: products}]
  action: ALLOW
  rules:
    - from: [{source: {principals: ["cluster.local/ns/shop/sa/frontend"]}}]
      to: [{operation: {methods: ["GET"]}}]
    - when: [{key: "request.auth.claims[group]", values: ["admins"]}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  targetRefs: [{kind: Service, group: "", name: products}]
  jwtRules:
    - issuer: https://issuer.example.com
      jwks: '${issuer.jwks}'
`;

function waitForLine(child: ChildProcess, what: string, pred: (line: string) => boolean, log: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not seen in 20 s; log:\n${log.text}`)), 20_000);
    const check = () => {
      const line = log.text.split('\n').find(pred);
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stderr?.on('data', (c: Buffer) => {
      log.text += c.toString();
      check();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited with ${code}; log:\n${log.text}`));
    });
  });
}

async function eventually(what: string, fn: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('ambit brain gets its policies from ambit controlplane and enforces them', async () => {
  const state = await mkdtemp(join(tmpdir(), 'ambit-brain-state-'));
  const config = await mkdtemp(join(tmpdir(), 'ambit-brain-config-'));
  await writeFile(join(config, 'mesh.yaml'), CONFIG);
  const children: ChildProcess[] = [];
  try {
    const cp = spawn(process.execPath, [BIN, 'controlplane', '--config-dir', config, '--state-dir', state, '--listen', CP_HOST, '--admin-port', '0', '--grpc-listen', CP_HOST, '--grpc-port', '0', '--no-plaintext', '--debounce-ms', '20'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(cp);
    const cpLog = { text: '' };
    const ready = JSON.parse(await waitForLine(cp, 'controlplane ready', (l) => l.includes('"msg":"ready"'), cpLog)) as Record<string, unknown>;
    const grpcAddr = `${CP_HOST}:${String(ready.grpcTls)}`;
    assert.match(grpcAddr, /^127\.0\.30\.9:\d+$/, `ready line: ${JSON.stringify(ready)}`);

    const brain = spawn(process.execPath, [BIN, 'brain', '--waypoint', 'shop/waypoint', '--address', WAYPOINT, '--xds-address', grpcAddr, '--state-dir', state], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(brain);
    const brainLog = { text: '' };
    await waitForLine(brain, 'brain listening', (l) => l.includes('"msg":"brain listening"'), brainLog);
    await eventually('brain ready', async () => (await fetch(`http://${WAYPOINT}:15021/healthz/ready`)).status === 200);

    const client = authClient(`${WAYPOINT}:15031`);
    try {
      const host = 'products.shop.svc.cluster.local:9080';
      const get = await client.check(checkRequest({ host, dstIp: '10.96.30.10', dstPort: 9080 }));
      assert.equal(get.status.code, 0);
      assert.equal(get.ok_response?.response_headers_to_add?.[0]?.header.value, 'allow policy=shop/products-read rule=0');
      const del = await client.check(checkRequest({ host, method: 'DELETE' }));
      assert.equal(del.status.code, 7);
      assert.equal(del.denied_response?.body, 'RBAC: access denied');
      const token = issuer.token({ iss: 'https://issuer.example.com', sub: 'ops', group: 'admins' });
      const admin = await client.check(checkRequest({ host, method: 'DELETE', principal: '', headers: { authorization: `Bearer ${token}` } }));
      assert.equal(admin.ok_response?.response_headers_to_add?.[0]?.header.value, 'allow policy=shop/products-read rule=1');
      const metrics = await (await fetch(`http://${WAYPOINT}:15020/metrics`)).text();
      assert.match(metrics, /ambit_authz_decisions_total\{decision="deny",reason="no-allow-matched"\} 1/);
    } finally {
      client.close();
    }
    const exited = new Promise<number | null>((r) => brain.once('exit', r));
    brain.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
    await rm(config, { recursive: true, force: true });
  }
});
