/** Engine-level properties the Check table does not show directly: scoping index, dry-run results, problems. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthzEngine, type AuthzPolicyInput, type AuthzRequest } from '../../src/shared/authz/index.js';

const req = (o: Partial<AuthzRequest> = {}): AuthzRequest => ({ host: 'h', method: 'GET', path: '/', headers: new Map(), ...o });
const p = (name: string, o: Partial<AuthzPolicyInput>): AuthzPolicyInput => ({ namespace: 'ns', name, action: 'ALLOW', dryRun: false, services: [], rules: [{}], ...o });

test('service-scoped policies only apply to their service', () => {
  const e = createAuthzEngine([p('only-a', { action: 'DENY', services: ['ns/a'] })]);
  assert.equal(e.evaluate(req({ service: 'ns/a' })).allow, false);
  assert.equal(e.evaluate(req({ service: 'ns/b' })).allow, true);
  assert.equal(e.evaluate(req()).allow, true);
});

test('CUSTOM consults the injected authorizer with the provider name', () => {
  const seen: string[] = [];
  const e = createAuthzEngine([p('ext', { action: 'CUSTOM', provider: 'opa' })], {
    customAuthorizer: (provider, r) => {
      seen.push(provider);
      return r.method === 'GET';
    },
  });
  assert.equal(e.evaluate(req()).allow, true);
  assert.deepEqual(e.evaluate(req({ method: 'POST' })), { allow: false, reason: 'custom-denied', policy: 'ns/ext', rule: 0, extra: { audited: [], dryRun: [] } });
  assert.deepEqual(seen, ['opa', 'opa']);
});

test('problems name policy and rule; AUDIT recorded', () => {
  const e = createAuthzEngine([
    p('bad', { rules: [{}, { when: [{ key: 'nope', values: ['x'] }] }] }),
    p('audit', { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/'] } }] }] }),
  ]);
  assert.deepEqual(e.problems, ['ns/bad: rules[1]: when: unsupported key "nope"']);
  assert.deepEqual(e.evaluate(req()).extra.audited, ['ns/audit']);
});

test('a dry-run policy result is reported even when it would be the decider', () => {
  const e = createAuthzEngine([p('dry', { action: 'DENY', dryRun: true })]);
  const d = e.evaluate(req());
  assert.equal(d.allow, true);
  assert.deepEqual(d.extra.dryRun, [{ policy: 'ns/dry', namespace: 'ns', name: 'dry', action: 'DENY', result: 'deny', rule: 0 }]);
});
