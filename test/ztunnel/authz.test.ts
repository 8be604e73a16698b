/** L4 authorization semantics (istio-facts §7): DENY before ALLOW, match fields, plaintext (no identity), dry-run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../src/ztunnel/authz/evaluate.js';
import { match, policy } from './support/mesh.js';

const peer = 'spiffe://cluster.local/ns/frontend/sa/web';
const conn = { sourceIdentity: peer, sourceIp: '10.0.0.5', destinationIp: '10.0.1.7', destinationPort: 8080 };

test('no policies → allow; ALLOW exists but none match → deny naming the policies', () => {
  assert.deepEqual(evaluate([], conn), { allow: true, dryRun: [], dryRunDenials: [] });
  const d = evaluate([policy({ name: 'only-backend', action: 'ALLOW', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'backend' }] })]]] })], conn);
  assert.equal(d.allow, false);
  assert.equal(!d.allow && d.policy, 'default/only-backend');
});

test('DENY wins over a matching ALLOW; the deciding policy is reported', () => {
  const allow = policy({ name: 'allow-frontend', action: 'ALLOW', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'frontend' }] })]]] });
  assert.deepEqual(evaluate([allow], conn), { allow: true, policy: 'default/allow-frontend', dryRun: [], dryRunDenials: [] });
  const deny = policy({ name: 'deny-8080', action: 'DENY', rules: [[[match({ destinationPorts: [8080] })]]] });
  const d = evaluate([allow, deny], conn);
  assert.equal(d.allow, false);
  assert.equal(!d.allow && d.policy, 'default/deny-8080');
});

test('principals strip spiffe://, string match forms, not_* fields, CIDRs, service accounts', () => {
  const m = (x: Parameters<typeof match>[0]) => evaluate([policy({ name: 'p', action: 'ALLOW', rules: [[[match(x)]]] })], conn).allow;
  assert.equal(m({ principals: [{ kind: 'exact', value: 'cluster.local/ns/frontend/sa/web' }] }), true);
  assert.equal(m({ principals: [{ kind: 'exact', value: peer }] }), false, 'policy principals have no spiffe:// prefix');
  assert.equal(m({ principals: [{ kind: 'prefix', value: 'cluster.local/ns/front' }] }), true);
  assert.equal(m({ principals: [{ kind: 'suffix', value: '/sa/web' }] }), true);
  assert.equal(m({ principals: [{ kind: 'presence' }] }), true);
  assert.equal(m({ notNamespaces: [{ kind: 'exact', value: 'frontend' }] }), false);
  assert.equal(m({ sourceIps: [{ ip: '10.0.0.0', length: 24 }] }), true);
  assert.equal(m({ sourceIps: [{ ip: '10.0.2.0', length: 24 }] }), false);
  assert.equal(m({ notDestinationIps: [{ ip: '10.0.1.7', length: 32 }] }), false);
  assert.equal(m({ notDestinationPorts: [9090] }), true);
  assert.equal(m({ serviceAccounts: [{ namespace: 'frontend', serviceAccount: 'web' }] }), true);
  assert.equal(m({ serviceAccounts: [{ namespace: 'frontend', serviceAccount: 'api' }] }), false);
  // Fields AND-ed inside one match.
  assert.equal(m({ namespaces: [{ kind: 'exact', value: 'frontend' }], destinationPorts: [9090] }), false);
});

test('clauses AND-ed, matches inside a clause OR-ed; a policy with no rules matches nothing', () => {
  const nsFrontend = match({ namespaces: [{ kind: 'exact', value: 'frontend' }] });
  const port9090 = match({ destinationPorts: [9090] });
  const ev = (rules: Parameters<typeof policy>[0]['rules']) => evaluate([policy({ name: 'p', action: 'ALLOW', rules })], conn).allow;
  assert.equal(ev([[[nsFrontend, port9090]]]), true, 'OR inside a clause');
  assert.equal(ev([[[nsFrontend], [port9090]]]), false, 'AND across clauses');
  assert.equal(ev([[]]), true, 'empty rule matches everything (rules: [{}])');
  assert.equal(ev([]), false, 'ALLOW with no rules: allow-nothing');
  assert.equal(ev([[[match({})]]]), false, 'an empty match inside a clause is skipped, never matches');
  assert.equal(ev([[[match({}), nsFrontend]]]), true, 'the other matches of that clause still count');
});

test('DENY whose rule kept only an empty match (HTTP-only fields dropped by istiod) has no effect at L4', () => {
  const deny = policy({ name: 'deny-jwtless', action: 'DENY', rules: [[[match({})]]] });
  assert.deepEqual(evaluate([deny], conn), { allow: true, dryRun: [], dryRunDenials: [] });
  const denyPort = policy({ name: 'deny-8080-http', action: 'DENY', rules: [[[match({})], [match({ destinationPorts: [8080] })]]] });
  assert.equal(evaluate([denyPort], conn).allow, true, 'a clause of only empty matches fails the whole rule');
});

test('plaintext (no identity): identity rules never match, not_principals presence matches (STRICT mTLS deny)', () => {
  const plain = { sourceIp: '10.0.0.5', destinationIp: '10.0.1.7', destinationPort: 8080 };
  const allowNs = policy({ name: 'allow-frontend', action: 'ALLOW', rules: [[[match({ namespaces: [{ kind: 'exact', value: 'frontend' }] })]]] });
  assert.equal(evaluate([allowNs], plain).allow, false);
  const strict = policy({ name: 'istio_converted_static_strict', namespace: 'istio-system', scope: 'GLOBAL', action: 'DENY', rules: [[[match({ notPrincipals: [{ kind: 'presence' }] })]]] });
  assert.equal(evaluate([strict], plain).allow, false);
  assert.equal(evaluate([strict], conn).allow, true);
});

test('dry-run policies are reported, never enforced', () => {
  const deny = policy({ name: 'would-deny', action: 'DENY', dryRun: true, rules: [[]] });
  const d = evaluate([deny], conn);
  assert.equal(d.allow, true);
  assert.deepEqual(d.dryRunDenials, ['default/would-deny']);
  // Dry-run ALLOWs are a set: one matching means no would-be denial; none matching names them all.
  const ns = (name: string, value: string) => policy({ name, action: 'ALLOW', dryRun: true, rules: [[[match({ namespaces: [{ kind: 'exact', value }] })]]] });
  assert.deepEqual(evaluate([ns('only-backend', 'backend'), ns('only-frontend', 'frontend')], conn).dryRunDenials, []);
  assert.deepEqual(evaluate([ns('only-backend', 'backend'), ns('only-db', 'db')], conn).dryRunDenials, ['default/only-backend', 'default/only-db']);
  // For the metric each dry-run policy is judged on its own; enforced policies are not listed.
  const enforced = policy({ name: 'enforced', action: 'DENY', rules: [[]] });
  const quiet = policy({ name: 'quiet-deny', action: 'DENY', dryRun: true, rules: [[[match({ namespaces: [{ kind: 'exact', value: 'db' }] })]]] });
  const all = evaluate([deny, quiet, enforced, ns('only-backend', 'backend'), ns('only-frontend', 'frontend')], conn);
  assert.equal(all.allow, false, 'the enforced DENY decides');
  assert.deepEqual(all.dryRun.map((v) => `${v.policy.name}=${v.result}`), ['would-deny=deny', 'quiet-deny=allow', 'only-backend=deny', 'only-frontend=allow']);
  assert.deepEqual(all.dryRunDenials, ['default/would-deny'], 'the ALLOW set has a match, so it would not deny');
  const none = evaluate([enforced], conn);
  assert.deepEqual([none.dryRun, none.dryRunDenials], [[], []]);
});
