import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizationGenerator } from '../../../src/control-plane/translate/authorization/generator.js';
import { convertPolicy } from '../../../src/control-plane/translate/authorization/convert.js';
import { decodeAuthorization } from '../../../src/shared/xds/wds-codec.js';
import type { XdsClientInfo } from '../../../src/control-plane/xds/generator.js';
import { mesh, policy } from '../../xds/mesh-factory.js';

const client: XdsClientInfo = { nodeId: 'ztunnel~1~z.ns~ns.svc.cluster.local', proxyType: 'ztunnel', metadata: {} };

function converted(p: ReturnType<typeof policy>) {
  const r = convertPolicy(p);
  assert.equal(r.kind, 'converted');
  return r as Extract<typeof r, { kind: 'converted' }>;
}

test('scope: root namespace GLOBAL, namespace NAMESPACE, selector WORKLOAD_SELECTOR; targetRefs not sent', () => {
  assert.equal(converted(policy('istio-system', 'g', { rules: [{}] })).authorization.scope, 'GLOBAL');
  assert.equal(converted(policy('ns1', 'n', { rules: [{}] })).authorization.scope, 'NAMESPACE');
  const sel = policy('ns1', 's', { rules: [{}] }, { scope: { kind: 'selector', namespace: 'ns1', matchLabels: { app: 'x' } } });
  assert.equal(converted(sel).authorization.scope, 'WORKLOAD_SELECTOR');
  const tr = policy('ns1', 't', { rules: [{}] }, { scope: { kind: 'targetRefs', namespace: 'ns1', refs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'wp' }] } });
  const gen = createAuthorizationGenerator();
  const m = mesh(1, { policies: [sel, tr] });
  assert.deepEqual([...gen.generate(m, client).keys()], ['ns1/s']);
});

test('L4 source and operation fields map to Match fields with istiod string/IP/port rules', () => {
  const p = policy('ns1', 'p', {
    rules: [{
      from: [{ source: { principals: ['cluster.local/ns/a/sa/b', '*'], notNamespaces: ['kube*'], ipBlocks: ['10.0.0.0/8', '10.1.2.3', 'bad'], serviceAccounts: ['other/sa1', 'sa2'] } }],
      to: [{ operation: { ports: ['8080', 'x', '70000'], notPorts: ['9090'] } }],
      when: [{ key: 'source.namespace', values: ['*-prod'], notValues: ['dev'] }],
    }],
  });
  const a = converted(p).authorization;
  assert.equal(converted(p).warning, undefined);
  assert.equal(a.groups.length, 1);
  const [toRules, fromRules, whenRules] = a.groups[0]!.rules;
  assert.deepEqual(toRules!.matches, [{ destination_ports: [8080], not_destination_ports: [9090] }]);
  const from = fromRules!.matches[0] as Record<string, any>;
  assert.deepEqual(from.principals, [{ exact: 'cluster.local/ns/a/sa/b' }, { presence: {} }]);
  assert.deepEqual(from.not_namespaces, [{ prefix: 'kube' }]);
  assert.deepEqual(from.source_ips.map((x: any) => x.length), [8, 32]);
  assert.deepEqual(from.service_accounts, [{ namespace: 'other', serviceAccount: 'sa1' }, { namespace: 'ns1', serviceAccount: 'sa2' }]);
  assert.deepEqual(whenRules!.matches, [{ namespaces: [{ suffix: '-prod' }], not_namespaces: [{ exact: 'dev' }] }]);
  // Round-trip through the wire format with the camelCase serviceAccount field.
  const gen = createAuthorizationGenerator();
  const dec = decodeAuthorization(gen.generate(mesh(1, { policies: [p] }), client).get('ns1/p')!.resource) as any;
  assert.equal(dec.groups[0].rules[1].matches[0].service_accounts[0].serviceAccount, 'sa1');
  assert.equal(dec.action, 'ALLOW');
});

test('ALLOW: a rule with HTTP attributes is dropped, others kept; all dropped → zero groups (deny all)', () => {
  const mixed = converted(policy('ns1', 'mixed', {
    rules: [
      { to: [{ operation: { methods: ['GET'], ports: ['80'] } }] },
      { from: [{ source: { namespaces: ['ns2'] } }] },
      { when: [{ key: 'request.headers[x]', values: ['1'] }] },
    ],
  }));
  assert.equal(mixed.authorization.groups.length, 1);
  assert.deepEqual(mixed.authorization.groups[0]!.rules[0]!.matches, [{ namespaces: [{ exact: 'ns2' }] }]);
  assert.match(mixed.warning!, /found: methods, request\.headers\[x\]\)/);
  assert.match(mixed.warning!, /rules matching HTTP attributes are omitted/);
  const onlyL7 = converted(policy('ns1', 'l7', { rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] }));
  assert.deepEqual(onlyL7.authorization.groups, [], 'ALLOW with no groups matches nothing → selected workloads denied');
});

test('DENY keeps the L4 remainder; only-L7 DENY leaves an empty match with no effect', () => {
  const d = converted(policy('ns1', 'd', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['80'] } }] }] }));
  assert.deepEqual(d.authorization.groups, [{ rules: [{ matches: [{ destination_ports: [80] }] }] }]);
  assert.match(d.warning!, /enforced without the HTTP rules/);
  const none = converted(policy('ns1', 'n', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }));
  assert.deepEqual(none.authorization.groups, [{ rules: [{ matches: [{}] }] }]);
  assert.match(none.warning!, /will have no effect/);
});

test('empty rule = allow all (one empty group); no rules = no groups; CUSTOM/AUDIT not sent; dry-run flag', () => {
  assert.deepEqual(converted(policy('ns1', 'all', { rules: [{}] })).authorization.groups, [{ rules: [] }]);
  assert.deepEqual(converted(policy('ns1', 'none', {})).authorization.groups, []);
  const c = convertPolicy(policy('ns1', 'c', { action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] }));
  assert.equal(c.kind, 'skipped');
  assert.equal(c.warning, 'ztunnel does not support the CUSTOM action');
  assert.equal(convertPolicy(policy('ns1', 'a', { action: 'AUDIT', rules: [{}] })).kind, 'skipped');
  assert.equal(converted(policy('ns1', 'dr', { rules: [{}] }, { dryRun: true })).authorization.dry_run, true);
  const gen = createAuthorizationGenerator();
  const m = mesh(1, { policies: [policy('ns1', 'c', { action: 'CUSTOM', rules: [{}] }), policy('ns1', 'l7', { rules: [{ to: [{ operation: { hosts: ['a'] } }] }] })] });
  assert.deepEqual([...gen.warnings(m).keys()].sort(), ['ns1/c', 'ns1/l7']);
  assert.deepEqual([...gen.generate(m, client).keys()], ['ns1/l7']);
});
