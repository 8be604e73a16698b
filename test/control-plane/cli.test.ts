import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureDir } from '../model/fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/ambit.js', import.meta.url));
const HOST = '127.0.40.3';

test('ambit controlplane serves admin on the given host, hot-reloads, and exits 0 on SIGTERM', async () => {
  const state = await mkdtemp(join(tmpdir(), 'ambit-cli-state-'));
  const config = await mkdtemp(join(tmpdir(), 'ambit-cli-config-'));
  await writeFile(join(config, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
  const child = spawn(process.execPath, [
    BIN, 'controlplane', '--config-dir', config, '--state-dir', state, '--listen', HOST, '--admin-port', '0',
    '--grpc-listen', HOST, '--grpc-port', '0', '--no-plaintext', '--debounce-ms', '20',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  try {
    const admin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; log:\n${log}`)), 15_000);
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const line = log.split('\n').find((l) => l.includes('"msg":"ready"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line).admin as string);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited early with ${code}; log:\n${log}`));
      });
    });
    assert.match(admin, /^127\.0\.40\.3:\d+$/);
    assert.equal((await fetch(`http://${admin}/healthz/ready`)).status, 200);
    await writeFile(join(config, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nstatus: {podIP: 127.0.40.50}\n');
    const deadline = Date.now() + 1000;
    let found = false;
    while (!found && Date.now() < deadline) {
      const body = (await (await fetch(`http://${admin}/debug/workloads`)).json()) as { workloads: { uid: string }[] };
      found = body.workloads.some((w) => w.uid === 'Kubernetes//Pod/shop/web');
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(found, 'new pod visible within 1 s');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
    await rm(config, { recursive: true, force: true });
  }
});

test('ambit controlplane fails with a clear message without --config-dir', async () => {
  const child = spawn(process.execPath, [BIN, 'controlplane', '--state-dir', fixtureDir('bookinfo')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /--config-dir and --state-dir are required/);
});

test('ambit controlplane exits 1 (and does not hang) when its admin port is taken', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, HOST, resolve));
  const taken = (blocker.address() as AddressInfo).port;
  const state = await mkdtemp(join(tmpdir(), 'ambit-cli-state-'));
  try {
    const child = spawn(process.execPath, [
      BIN, 'controlplane', '--config-dir', fixtureDir('bookinfo'), '--state-dir', state, '--listen', HOST,
      '--admin-port', String(taken), '--grpc-listen', HOST, '--grpc-port', '0', '--no-plaintext',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 1, log);
    assert.match(log, /failed to start.*EADDRINUSE/);
  } finally {
    blocker.close();
    await rm(state, { recursive: true, force: true });
  }
});

test('ambit --help lists every subcommand', async () => {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  for (const cmd of ['up', 'controlplane', 'ztunnel', 'brain', 'waypoint']) assert.match(out, new RegExp(`^  ${cmd} `, 'm'));
});
