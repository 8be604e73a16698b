/**
 * End to end with the real control plane in-process: two ztunnels get workloads over Delta ADS and certificates from
 * the CA, carry SOCKS5 → HBONE traffic, keep forwarding (established and new connections) while the control plane
 * is down, and resync when it returns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../../src/cli/controlplane.js';
import { startZtunnelProcess } from '../../src/cli/ztunnel.js';
import { nodeTokenPath } from '../../src/control-plane/auth/token-files.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { PORTS } from '../../src/shared/constants.js';
import { echoServer, roundTrip, socksConnect } from './support/mesh.js';

const CP = '127.0.14.1';
const CP_PORT = 15012;
const NODE_A = '127.0.14.11';
const NODE_B = '127.0.14.12';
const CLIENT = '127.0.15.1';
const ECHO = '127.0.15.2';
const FIXTURE = new URL('../../../test/ztunnel/fixtures/mesh.yaml', import.meta.url).pathname;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ztunnel with the real control plane', () => {
  let configDir: string;
  let stateDir: string;
  let cp: ControlPlaneProcess | undefined;
  let zts: Awaited<ReturnType<typeof startZtunnelProcess>>[] = [];
  let echo: Awaited<ReturnType<typeof echoServer>>;

  const startCp = () =>
    startControlPlaneProcess(
      { configDir, stateDir, trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', admin: { host: CP, port: 0 }, grpcTls: { host: CP, port: CP_PORT }, debounceMs: 20 },
      silentLogger,
      new Registry(),
    );

  before(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'ambit-zt-config-'));
    stateDir = await mkdtemp(join(tmpdir(), 'ambit-zt-state-'));
    await copyFile(FIXTURE, join(configDir, 'mesh.yaml'));
    cp = await startCp();
    echo = await echoServer(ECHO, 8080);
    const common = { stateDir, xdsAddress: `${CP}:${CP_PORT}`, caAddress: `${CP}:${CP_PORT}`, rootCertFile: join(stateDir, 'ca', 'root-cert.pem'), serverName: 'istiod', certTtlSeconds: 3600, domainSuffix: 'cluster.local', adminAddress: '127.0.0.1' };
    const ports = { hbone: PORTS.hbone, socks5: PORTS.socks5, inboundPlaintext: 0, admin: 0, metrics: 0, readiness: 0 };
    for (const [node, address] of [['zt-a', NODE_A], ['zt-b', NODE_B]] as const) {
      zts.push(await startZtunnelProcess({ ...common, node, address, tokenFile: nodeTokenPath(stateDir, node), ports }, silentLogger, new Registry()));
    }
    await until('workload discovery', () => zts.every((z) => z.ztunnel.pending().length === 0 && z.ztunnel.state.workloads().length === 2));
  });

  after(async () => {
    await Promise.all(zts.map((z) => z.close()));
    await cp?.close();
    await echo?.close();
    await rm(configDir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  const socks = (target: Parameters<typeof socksConnect>[1]) => socksConnect({ host: NODE_A, port: PORTS.socks5 }, target, CLIENT);

  it('learns workloads and node addresses over WDS and carries traffic with CA-issued certificates', async () => {
    const a = zts[0]!.ztunnel;
    const echoWl = a.state.workloadByIp(ECHO);
    assert.equal(echoWl?.identity, 'spiffe://cluster.local/ns/demo/sa/echo');
    assert.equal(a.state.nodeAddressOf(echoWl!), NODE_B, 'node address from the ambit.dev/node-address extension');
    const { reply, socket } = await socks({ host: 'echo.demo', port: 80 });
    assert.equal(reply, 0);
    assert.equal((await roundTrip(socket, Buffer.from('through the mesh'))).toString(), 'through the mesh');
    assert.ok(zts[1]!.ztunnel.certs.current('spiffe://cluster.local/ns/demo/sa/echo'), 'node-b holds the echo certificate');
  });

  it('keeps established and new connections working while the control plane is down, and resyncs after', async () => {
    const established = await socks({ ip: '127.0.15.100', port: 80 });
    assert.equal(established.reply, 0);
    const ping = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        established.socket.once('data', (d: Buffer) => resolve(d.toString()));
        established.socket.once('error', reject);
        established.socket.resume();
        established.socket.write(text);
      });
    assert.equal(await ping('before'), 'before');
    await cp!.close();
    cp = undefined;
    assert.equal(await ping('while down'), 'while down', 'established connection unaffected');
    const fresh = await socks({ host: 'echo', port: 80 });
    assert.equal(fresh.reply, 0, 'new connection while the control plane is down');
    assert.equal((await roundTrip(fresh.socket, Buffer.from('new while down'))).toString(), 'new while down');
    // Change config while down: deny everything to echo. Applies only once the control plane is back.
    await writeFile(
      join(configDir, 'deny.yaml'),
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny-all\n  namespace: demo\nspec:\n  action: DENY\n  rules:\n    - {}\n',
    );
    const closed = new Promise<void>((resolve) => established.socket.once('close', () => resolve()));
    cp = await startCp();
    await until('policy resync', () => zts[1]!.ztunnel.state.policies().some((p) => p.key === 'demo/deny-all'), 15_000);
    const denied = await socks({ host: 'echo', port: 80 });
    assert.equal(denied.reply, 2, 'new policy enforced after resync');
    denied.socket.destroy();
    // As Istio's ztunnel, live connections are re-authorized on policy change: the established one is now closed.
    await closed;
  });
});
