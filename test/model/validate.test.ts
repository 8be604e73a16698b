import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { validateDocument, type ValidationResult } from '../../src/shared/model/validate.js';
import { formatConfigError, type ConfigError } from '../../src/shared/model/objects.js';

const origin = { source: 'cfg/test.yaml', documentIndex: 0 };
const check = (yaml: string): ValidationResult => validateDocument(parse(yaml), origin);

function errorsOf(r: ValidationResult): readonly ConfigError[] {
  assert.equal(r.outcome, 'invalid', `expected invalid, got ${JSON.stringify(r)}`);
  return r.outcome === 'invalid' ? r.errors : [];
}

function assertError(r: ValidationResult, field: string, message: RegExp): ConfigError {
  const errors = errorsOf(r);
  const e = errors.find((x) => x.field === field);
  assert.ok(e, `no error at ${field}; got ${errors.map(formatConfigError).join(' | ')}`);
  assert.match(e.message, message);
  assert.equal(e.source, 'cfg/test.yaml');
  return e;
}

test('valid Service gets defaults: namespace, targetPort, protocol', () => {
  const r = check('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n');
  assert.equal(r.outcome, 'valid');
  if (r.outcome !== 'valid' || r.object.kind !== 'Service') return;
  assert.equal(r.object.metadata.namespace, 'default');
  assert.deepEqual(r.object.spec.ports, [{ port: 80, targetPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(r.object.origin, origin);
});

test('unknown kind is ignored with a notice, not an error', () => {
  const r = check('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n');
  assert.equal(r.outcome, 'ignored');
  if (r.outcome === 'ignored') assert.match(r.notice, /Deployment.*web/);
  // Istio's networking Gateway is a different kind from the Gateway API one.
  assert.equal(check('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\n').outcome, 'ignored');
});

test('wrong field type names kind, namespace/name and field', () => {
  const r = check('apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: "eighty"}]\n');
  const e = assertError(r, 'spec.ports[0].port', /expected an integer/);
  assert.equal(e.kind, 'Service');
  assert.equal(e.namespace, 'shop');
  assert.equal(e.name, 'web');
  assert.equal(formatConfigError(e), 'cfg/test.yaml: Service shop/web: spec.ports[0].port: expected an integer, got string "eighty"');
  if (r.outcome === 'invalid') assert.equal(r.key, 'Service/shop/web');
});

test('missing required fields', () => {
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec: {ports: [{port: 80}]}\n'), 'metadata.name', /required/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{name: x}]}\n'), 'spec.ports[0].port', /required/);
  assertError(check('apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {listeners: []}\n'), 'spec.gatewayClassName', /required/);
  assertError(check('apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: vm}\nspec: {labels: {app: x}}\n'), 'spec.address', /required/);
  assertError(check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: {action: CUSTOM}\n'), 'spec.provider', /required when action is CUSTOM/);
  assertError(check('kind: Pod\nmetadata: {name: p}\n'), 'apiVersion', /required/);
});

test('bad selectors and labels', () => {
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {"bad key!": x}, ports: [{port: 80}]}\n'), 'spec.selector.bad key!', /label key/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: "has space"}, ports: [{port: 80}]}\n'), 'spec.selector.app', /label value/);
  assertError(check('apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {version: 2}}\n'), 'metadata.labels.version', /expected a string/);
  assertError(
    check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n  selector: {matchLabels: {app: "-x"}}\n'),
    'spec.selector.matchLabels.app',
    /label value/,
  );
  assertError(
    check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n  selector: {matchLabels: {app: a}}\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: w}]\n'),
    'spec.selector',
    /cannot be combined/,
  );
});

test('bad IPs, ports out of range, bad enums, bad names', () => {
  assertError(check('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nstatus: {podIP: 10.0.0.300}\n'), 'status.podIP', /not an IP/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 70000}]}\n'), 'spec.ports[0].port', /out of range 1-65535/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 0}]}\n'), 'spec.ports[0].port', /out of range/);
  assertError(check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: {action: PERMIT}\n'), 'spec.action', /not one of ALLOW, DENY, AUDIT, CUSTOM/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: Web_1}\nspec: {ports: [{port: 80}]}\n'), 'metadata.name', /not a valid name/);
  assertError(check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {internalTrafficPolicy: Nodal, ports: [{port: 80}]}\n'), 'spec.internalTrafficPolicy', /not one of Cluster, Local/);
  assertError(check('apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {addresses: [{type: Hostname, address: n}]}\n'), 'status.addresses', /InternalIP/);
  assertError(check('apiVersion: v1\nkind: Node\nmetadata: {name: n, namespace: x}\nstatus: {addresses: [{type: InternalIP, address: 127.0.0.1}]}\n'), 'metadata.namespace', /cluster-scoped/);
});

test('every problem of one document is reported at once', () => {
  const r = check('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  clusterIP: nope\n  ports: [{port: 1, name: x}, {port: 99999, name: y}, {port: 3, name: x}]\n');
  const fields = errorsOf(r).map((e) => e.field);
  assert.ok(fields.includes('spec.clusterIP'));
  assert.ok(fields.includes('spec.ports[1].port'));
  assert.ok(fields.includes('spec.ports[2].name'), `duplicate port name not reported: ${fields.join(', ')}`);
});

test('unknown fields in AuthorizationPolicy sources are rejected (typo guard)', () => {
  const r = check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n  rules:\n    - from:\n        - source: {principal: [x]}\n');
  assertError(r, 'spec.rules[0].from[0].source.principal', /unknown field/);
});

test('AuthorizationPolicy addresses, ports and service accounts are checked, naming the field', () => {
  const ap = (rule: string) => check(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n  rules:\n    - ${rule}\n`);
  assertError(ap('from: [{source: {ipBlocks: ["10.9.0.0/16", "10.9.0.0/33"]}}]'), 'spec.rules[0].from[0].source.ipBlocks[1]', /"10\.9\.0\.0\/33" is not an IP address or CIDR/);
  assertError(ap('from: [{source: {notIpBlocks: ["10.0.0.256"]}}]'), 'spec.rules[0].from[0].source.notIpBlocks[0]', /not an IP address or CIDR/);
  assertError(ap('from: [{source: {remoteIpBlocks: ["2001:db8::/129"]}}]'), 'spec.rules[0].from[0].source.remoteIpBlocks[0]', /not an IP address or CIDR/);
  assertError(ap('to: [{operation: {ports: ["8080", "http"]}}]'), 'spec.rules[0].to[0].operation.ports[1]', /"http" is not a port/);
  assertError(ap('to: [{operation: {notPorts: ["0"]}}]'), 'spec.rules[0].to[0].operation.notPorts[0]', /not a port \(1-65535\)/);
  assertError(ap('when: [{key: destination.port, values: ["65536"]}]'), 'spec.rules[0].when[0].values[0]', /not a port/);
  assertError(ap('when: [{key: source.ip, notValues: ["nope"]}]'), 'spec.rules[0].when[0].notValues[0]', /not an IP address or CIDR/);
  assertError(ap('from: [{source: {serviceAccounts: [web], namespaces: [ns]}}]'), 'spec.rules[0].from[0].source.serviceAccounts', /cannot be combined with namespaces/);
  assertError(ap('from: [{source: {notServiceAccounts: ["ns/*"]}}]'), 'spec.rules[0].from[0].source.notServiceAccounts[0]', /no wildcards/);
  assertError(ap('from: [{source: {}}]'), 'spec.rules[0].from[0].source', /must not be empty/);
  assertError(ap('from: [{source: {principals: []}}]'), 'spec.rules[0].from[0].source', /must not be empty/);
  assertError(ap('to: [{operation: {}}]'), 'spec.rules[0].to[0].operation', /must not be empty/);
  assertError(ap('when: [{key: source.ip, values: []}]'), 'spec.rules[0].when[0]', /one of values or notValues is required/);
  const ok = ap('from: [{source: {ipBlocks: ["0.0.0.0/0", "10.1.2.3", "2001:db8::/32"], serviceAccounts: [web, "other/api"]}}]\n      to: [{operation: {ports: ["1", "65535"]}}]\n      when: [{key: "request.headers[x-port]", values: ["not-a-port"]}]');
  assert.equal(ok.outcome, 'valid', JSON.stringify(ok));
});

test('AuthorizationPolicy keeps absent rules distinct from an empty list; targetRef merges into targetRefs', () => {
  const none = check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-all}\nspec: {}\n');
  assert.ok(none.outcome === 'valid' && none.object.kind === 'AuthorizationPolicy' && none.object.spec.rules === undefined);
  const one = check('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n  targetRef: {kind: Service, group: "", name: web}\n  rules: [{}]\n');
  assert.ok(one.outcome === 'valid' && one.object.kind === 'AuthorizationPolicy');
  if (one.outcome === 'valid' && one.object.kind === 'AuthorizationPolicy') {
    assert.deepEqual(one.object.spec.targetRefs, [{ group: '', kind: 'Service', name: 'web' }]);
    assert.deepEqual(one.object.spec.rules, [{}]);
    assert.equal(one.object.spec.action, 'ALLOW');
  }
});

test('HTTPRoute defaults: parentRef group/kind, backendRef kind and weight, durations in ms', () => {
  const r = check(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: web, port: 80}]
      timeouts: {request: 1m30s}
      retry: {attempts: 2, backoff: 250ms, codes: [503]}
`);
  assert.equal(r.outcome, 'valid', JSON.stringify(r));
  if (r.outcome !== 'valid' || r.object.kind !== 'HTTPRoute') return;
  assert.deepEqual(r.object.spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }]);
  const rule = r.object.spec.rules[0];
  assert.deepEqual(rule?.backendRefs, [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1, filters: [] }]);
  assert.deepEqual(rule?.timeouts, { requestMs: 90_000 });
  assert.deepEqual(rule?.retry, { attempts: 2, backoffMs: 250, codes: [503] });
  assert.deepEqual(rule?.matches, [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }]);
});

test('HTTPRoute errors: bad duration, missing backend port, bad path match', () => {
  const r = check(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{path: {type: Exact, value: "no-slash"}}]
      backendRefs: [{name: web}]
      timeouts: {request: soon}
`);
  assertError(r, 'spec.rules[0].timeouts.request', /not a duration/);
  assertError(r, 'spec.rules[0].backendRefs[0].port', /required/);
  assertError(r, 'spec.rules[0].matches[0].path.value', /start with/);
});

test('Pod: podIP, nodeName, readiness, container ports', () => {
  const r = check(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  nodeName: node-a
  containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
status:
  podIP: 10.0.0.5
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]
  conditions: [{type: Ready, status: "False"}]
`);
  assert.equal(r.outcome, 'valid', JSON.stringify(r));
  if (r.outcome !== 'valid' || r.object.kind !== 'Pod') return;
  assert.deepEqual(r.object.spec.podIPs, ['10.0.0.5', 'fd00::5']);
  assert.equal(r.object.spec.ready, false);
  assert.equal(r.object.spec.serviceAccountName, 'default');
  assert.deepEqual(r.object.spec.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
});

test('a document that is not an object is an error naming the file', () => {
  const r = validateDocument('just a string', origin);
  const [e] = errorsOf(r);
  assert.match(e?.message ?? '', /expected a Kubernetes object/);
});
