/** `ambit ztunnel` argument handling as a real process: help, missing required flags, missing state files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAdminAddress } from '../../src/cli/up-plan.js';

const BIN = new URL('../../../bin/ambit.js', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'ztunnel', ...args], { encoding: 'utf8', timeout: 20_000 });

test('--help lists the flags ambit up passes', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--node', '--address', '--xds-address', '--ca-address', '--state-dir', '--log-level', '--token-file']) assert.match(r.stdout, new RegExp(flag));
});

test('missing required flags exit 2 naming them; unknown flags exit 2', () => {
  const r = run(['--node', 'a']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--node, --address and --state-dir are required/);
  assert.equal(run(['--bogus']).status, 2);
});

test('a state dir without token and root cert fails to start with exit 1, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ambit-zt-cli-'));
  try {
    // Bind an address in the ztunnel test range; the process must give up before binding anything.
    const r = spawnSync(process.execPath, [BIN, 'ztunnel', '--node', 'n1', '--address', '127.0.12.99', '--state-dir', dir, '--wait-ms', '200'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /root-cert\.pem|node-n1\.token/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('admin defaults to the node address when it is loopback (several local-mode ztunnels per host), else 127.0.0.1', () => {
  assert.equal(defaultAdminAddress('127.0.0.11'), '127.0.0.11');
  assert.equal(defaultAdminAddress('10.1.2.3'), '127.0.0.1');
});
