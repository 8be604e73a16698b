/**
 * Bearer token rotation: the ztunnel re-reads its token file, so after the file changes (and the control plane forgot
 * the old token) its ADS reconnect and its certificate requests authenticate with the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../../src/cli/controlplane.js';
import { startZtunnelProcess } from '../../src/cli/ztunnel.js';
import { fileTokenSource } from '../../src/cli/token-file.js';
import { nodeTokenPath } from '../../src/control-plane/auth/token-files.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { PORTS } from '../../src/shared/constants.js';

const CP = '127.0.72.1';
const CP_PORT = 15012;
const NODE = 'zt-rot';
const NODE_ADDRESS = '127.0.72.11';

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const NODE_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
  labels:
    istio.io/dataplane-mode: ambient
---
apiVersion: v1
kind: Node
metadata:
  name: ${NODE}
status:
  addresses:
    - type: InternalIP
      address: ${NODE_ADDRESS}
`;

const podYaml = (name: string, ip: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: demo
  labels: {app: ${name}}
spec:
  nodeName: ${NODE}
  serviceAccountName: ${name}
  containers:
    - name: ${name}
      image: ambit/${name}
status:
  phase: Running
  podIP: ${ip}
  conditions:
    - type: Ready
      status: "True"
`;

test('xds: the token file is re-read at most once per interval, and a missing or empty file keeps the last token', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'node.token');
  let now = 0;
  const token = fileTokenSource(path, 'first', { minIntervalMs: 1000, nowMs: () => now });
  await writeFile(path, 'second\n');
  assert.equal(token(), 'first', 'not re-read within the interval');
  now = 1000;
  assert.equal(token(), 'second');
  await writeFile(path, '  \n');
  now = 2000;
  assert.equal(token(), 'second', 'an empty file keeps the last token');
  await rm(path);
  now = 3000;
  assert.equal(token(), 'second', 'a missing file keeps the last token');
});

test('xds: after the node token file is rotated, the ztunnel reconnects to ADS and gets certificates with the new token', async (t) => {
  const configDir = await mkdtemp(join(tmpdir(), 'ambit-rot-config-'));
  const stateDir = await mkdtemp(join(tmpdir(), 'ambit-rot-state-'));
  await writeFile(join(configDir, 'mesh.yaml'), `${NODE_YAML}---\n${podYaml('first', '127.0.73.1')}`);
  const startCp = () =>
    startControlPlaneProcess(
      { configDir, stateDir, trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', admin: { host: CP, port: 0 }, grpcTls: { host: CP, port: CP_PORT }, debounceMs: 20 },
      silentLogger,
      new Registry(),
    );
  let cp: ControlPlaneProcess | undefined = await startCp();
  const zt = await startZtunnelProcess(
    {
      node: NODE, address: NODE_ADDRESS, stateDir, xdsAddress: `${CP}:${CP_PORT}`, caAddress: `${CP}:${CP_PORT}`,
      tokenFile: nodeTokenPath(stateDir, NODE), rootCertFile: join(stateDir, 'ca', 'root-cert.pem'), serverName: 'istiod',
      certTtlSeconds: 3600, domainSuffix: 'cluster.local', adminAddress: NODE_ADDRESS,
      ports: { hbone: PORTS.hbone, socks5: PORTS.socks5, inboundPlaintext: 0, admin: 0, metrics: 0, readiness: 0 },
    },
    silentLogger,
    new Registry(),
  );
  t.after(async () => {
    await zt.close();
    await cp?.close();
    await rm(configDir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });
  const { state, certs } = zt.ztunnel;
  await until('first workload and its certificate', () => state.workloadByIp('127.0.73.1') !== undefined && certs.current('spiffe://cluster.local/ns/demo/sa/first') !== undefined);

  // Rotate the token while the control plane is down, and add a workload the ztunnel only learns after reconnecting.
  await cp.close();
  cp = undefined;
  await writeFile(nodeTokenPath(stateDir, NODE), randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
  await writeFile(join(configDir, 'second.yaml'), podYaml('second', '127.0.73.2'));
  cp = await startCp();
  await until('second workload over ADS with the new token', () => state.workloadByIp('127.0.73.2') !== undefined);
  await until('second certificate from the CA with the new token', () => certs.current('spiffe://cluster.local/ns/demo/sa/second') !== undefined);
});
