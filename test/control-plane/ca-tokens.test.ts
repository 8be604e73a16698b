import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createTokenStore, nodeTokenPath, waypointTokenPath } from '../../src/control-plane/auth/index.js';
import { bearer, tempDir } from '../crypto/ca-fixtures.js';

test('node token: random base64url, file mode 0600, stable across calls and restarts', async (t) => {
  const dir = tempDir(t);
  const store = createTokenStore({ stateDir: dir });
  const token = await store.ensureNodeToken('node-a');
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const path = nodeTokenPath(dir, 'node-a');
  assert.equal(readFileSync(path, 'utf8').trim(), token);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await store.ensureNodeToken('node-a'), token);
  assert.notEqual(await store.ensureNodeToken('node-b'), token);
  assert.deepEqual(store.authenticate(bearer(token)), { kind: 'node', node: 'node-a' });
  const restarted = createTokenStore({ stateDir: dir });
  assert.deepEqual(restarted.authenticate(bearer(token)), { kind: 'node', node: 'node-a' });
});

test('waypoint token identifies namespace and name, even with dashes in both', async (t) => {
  const dir = tempDir(t);
  const store = createTokenStore({ stateDir: dir });
  const token = await store.ensureWaypointToken('my-shop', 'east-waypoint');
  assert.equal(readFileSync(waypointTokenPath(dir, 'my-shop', 'east-waypoint'), 'utf8').trim(), token);
  assert.deepEqual(store.authenticate(bearer(token)), { kind: 'waypoint', namespace: 'my-shop', name: 'east-waypoint' });
});

test('missing, malformed and unknown tokens are errors, not callers', async (t) => {
  const store = createTokenStore({ stateDir: tempDir(t) });
  const token = await store.ensureNodeToken('node-a');
  const result = (md: grpc.Metadata) => store.authenticate(md);
  assert.match((result(new grpc.Metadata()) as { error: string }).error, /no "authorization: Bearer/);
  const basic = new grpc.Metadata();
  basic.set('authorization', `Basic ${token}`);
  assert.match((result(basic) as { error: string }).error, /not of the form/);
  assert.match((result(bearer(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))) as { error: string }).error, /not a known/);
  assert.deepEqual(result(bearer(token)), { kind: 'node', node: 'node-a' });
});

test('a token file rewritten by an operator takes effect after the reload interval', async (t) => {
  const dir = tempDir(t);
  let nowMs = 0;
  const store = createTokenStore({ stateDir: dir, reloadIntervalMs: 1000, nowMs: () => nowMs });
  const old = await store.ensureNodeToken('node-a');
  const rotated = 'r'.repeat(43);
  writeFileSync(nodeTokenPath(dir, 'node-a'), rotated + '\n', { mode: 0o600 });
  nowMs = 500;
  assert.deepEqual(store.authenticate(bearer(old)), { kind: 'node', node: 'node-a' }, 'within the interval: cached');
  nowMs = 1500;
  assert.ok('error' in store.authenticate(bearer(old)), 'old token revoked');
  assert.deepEqual(store.authenticate(bearer(rotated)), { kind: 'node', node: 'node-a' });
});

test('names that could escape the tokens folder are refused', async (t) => {
  const store = createTokenStore({ stateDir: tempDir(t) });
  await assert.rejects(store.ensureNodeToken('../etc'), /not a valid Kubernetes name/);
  await assert.rejects(store.ensureWaypointToken('ns', 'a/b'), /not a valid Kubernetes name/);
});
