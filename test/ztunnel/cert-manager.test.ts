/** Certificate manager: issuance per identity, rotation at half life, keeping the old certificate when the CA fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../src/control-plane/ca/index.js';
import { createCsr } from '../../src/shared/crypto/csr.js';
import { generateKeyPair } from '../../src/shared/crypto/keys.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createCertManager, refreshDelayMs, type CertificateSource } from '../../src/ztunnel/identity/cert-manager.js';
import { MAX_TIMER_DELAY_MS, setTimerAt } from '../../src/shared/lifecycle/timer-at.js';

const ID = 'spiffe://cluster.local/ns/demo/sa/app';

test('refresh delay is half life, or half of what is left when the half point is past', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const cert = { identity: ID, keyPem: '', chainPem: [], rootsPem: [], notBefore: new Date(t0), notAfter: new Date(t0 + 3600_000) };
  assert.equal(refreshDelayMs(cert, t0), 1800_000);
  const backdated = { ...cert, notBefore: new Date(t0 - 60_000), notAfter: new Date(t0 + 10_000) };
  assert.equal(refreshDelayMs(backdated, t0), 5_000);
  assert.equal(refreshDelayMs({ ...cert, notAfter: new Date(t0 + 500) }, t0), 1000);
});

test('rotates short-lived certificates and keeps serving the old one while the CA fails', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'ambit-zt-ca-'));
  const ca = await loadOrCreateCa({ stateDir, trustDomain: 'cluster.local' });
  let failing = false;
  let calls = 0;
  const source: CertificateSource = {
    async fetch(identity) {
      calls++;
      if (failing) throw new Error('CA down');
      const keyPem = await generateKeyPair();
      return { keyPem, chain: await ca.signCsr(await createCsr(keyPem, identity), identity, 4) };
    },
  };
  const certs = createCertManager({ initialBackoffMs: 100 }, { source, logger: silentLogger });
  try {
    const first = await certs.get(ID);
    assert.ok(first.chainPem[0]?.includes('BEGIN CERTIFICATE'));
    assert.equal(first.rootsPem.length, 1);
    assert.deepEqual(certs.snapshot()[0]?.roots, first.rootsPem, 'config_dump shows the trust roots beside the chain');
    // 4 s lifetime (plus backdating): the refresh comes within ~2 s.
    const deadline = Date.now() + 6000;
    while (certs.current(ID) === first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const second = certs.current(ID);
    assert.ok(second && second !== first, 'rotated');
    assert.ok(second.notAfter > first.notAfter);
    failing = true;
    const before = calls;
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(calls > before, 'retried while failing');
    assert.equal(certs.current(ID), second, 'kept the previous certificate while the CA fails');
    assert.match(certs.snapshot()[0]?.state ?? '', /failed: CA down/);
  } finally {
    certs.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('a key that does not match the leaf counts as a failed fetch: the first is refused, a renewal keeps the previous one', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'ambit-zt-ca-'));
  const ca = await loadOrCreateCa({ stateDir, trustDomain: 'cluster.local' });
  let mismatched = false;
  const source: CertificateSource = {
    async fetch(identity) {
      const keyPem = await generateKeyPair();
      const chain = await ca.signCsr(await createCsr(keyPem, identity), identity, 4);
      // A misbehaving source: a valid chain for one key, handed out with another.
      return { keyPem: mismatched ? await generateKeyPair() : keyPem, chain };
    },
  };
  const certs = createCertManager({ initialBackoffMs: 100 }, { source, logger: silentLogger });
  try {
    const first = await certs.get(ID);
    mismatched = true;
    await assert.rejects(certs.get('spiffe://cluster.local/ns/demo/sa/other'), /private key does not match the leaf certificate/);
    // 4 s lifetime (plus backdating): the renewal comes within ~2 s and gets the mismatched pair.
    const deadline = Date.now() + 6000;
    const stateOf = () => certs.snapshot().find((c) => c.identity === ID)?.state ?? '';
    while (!stateOf().startsWith('failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(stateOf(), /failed: .*private key does not match the leaf certificate/);
    assert.equal(certs.current(ID), first, 'kept the previous certificate');
    assert.equal(await certs.get(ID), first);
  } finally {
    certs.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('a certificate whose half life is beyond setTimeout range (~24.8 days) is not refetched at once', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'ambit-zt-ca-'));
  const ca = await loadOrCreateCa({ stateDir, trustDomain: 'cluster.local' });
  let calls = 0;
  const source: CertificateSource = {
    async fetch(identity) {
      calls++;
      const keyPem = await generateKeyPair();
      return { keyPem, chain: await ca.signCsr(await createCsr(keyPem, identity), identity, 100 * 86_400) };
    },
  };
  const certs = createCertManager({}, { source, logger: silentLogger });
  try {
    const cert = await certs.get(ID);
    assert.ok(cert.notAfter.getTime() - cert.notBefore.getTime() > 60 * 86_400_000, 'the CA issued a long-lived certificate');
    // An overflowing setTimeout fires after 1 ms; a few hundred ms is plenty to see repeated fetches.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(calls, 1);
  } finally {
    certs.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('setTimerAt hops in capped steps until the due instant, once, and can be cancelled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let clock = 0;
  const now = () => clock;
  const advance = (ms: number) => {
    clock += ms;
    t.mock.timers.tick(ms);
  };
  const due = 60 * 86_400_000;
  let fired = 0;
  setTimerAt(due, () => fired++, now);
  advance(MAX_TIMER_DELAY_MS);
  advance(MAX_TIMER_DELAY_MS);
  assert.equal(fired, 0, 'two hops (~49.6 days) are not yet 60 days');
  advance(due - 2 * MAX_TIMER_DELAY_MS);
  assert.equal(fired, 1);
  advance(MAX_TIMER_DELAY_MS);
  assert.equal(fired, 1, 'one-shot');
  const cancelled = setTimerAt(clock + 10, () => fired++, now);
  cancelled.cancel();
  advance(20);
  assert.equal(fired, 1);
});
