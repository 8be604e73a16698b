/** waitForShutdownSignal: resolves on the first signal and leaves none of its listeners behind, however it ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForShutdownSignal } from '../../src/cli/signals.js';

const listeners = (): number => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');

test('the first SIGTERM resolves it and removes both listeners', async () => {
  const before = listeners();
  const waiting = waitForShutdownSignal();
  assert.equal(listeners(), before + 2);
  process.emit('SIGTERM', 'SIGTERM');
  assert.equal(await waiting, 'SIGTERM');
  assert.equal(listeners(), before, 'a second signal would reach Node default handling (exit)');
});

test('aborting the stop signal removes the listeners without resolving', async () => {
  const before = listeners();
  const stop = new AbortController();
  let resolved = false;
  void waitForShutdownSignal(stop.signal).then(() => (resolved = true));
  assert.equal(listeners(), before + 2);
  stop.abort();
  assert.equal(listeners(), before, 'a signal during a /quitquitquit drain is not swallowed');
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false);
});
