/** WDS → ztunnel state: real protobuf encodings through the shared codec, defaults, errors as values, lookups. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProtoRoot } from '../../src/shared/proto/load.js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { decodeAddress, decodeAuthorization } from '../../src/shared/xds/wds-codec.js';
import { createStateStore } from '../../src/ztunnel/state/store.js';
import { applyWds } from '../../src/ztunnel/state/wds-apply.js';
import { resolveOutbound } from '../../src/ztunnel/state/resolve.js';
import { ipToBytes, normalizeIp, parseIpPort, cidrContains } from '../../src/ztunnel/state/ip.js';
import { service, workload } from './support/mesh.js';
import type { ZWorkload } from '../../src/ztunnel/state/types.js';

const root = loadProtoRoot(['istio/workload.proto', 'istio/authorization.proto']);
const enc = (type: string, obj: Record<string, unknown>) => {
  const t = root.lookupType(type);
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
};
const strVal = (s: string) => Buffer.concat([Buffer.from([0x0a, s.length]), Buffer.from(s)]);

test('Address and Authorization resources become state; bad ones are NACK reasons, good ones still apply', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const decoders = { decodeAddress, decodeAuthorization };
  const wl = enc('istio.workload.Address', {
    workload: {
      uid: 'Kubernetes//Pod/demo/app-1', name: 'app-1', namespace: 'demo', addresses: [ipToBytes('10.1.0.5')], node: 'n2',
      tunnel_protocol: 1, service_account: 'app', canonical_name: 'app', canonical_revision: 'v2', workload_name: 'app',
      services: { 'demo/app.demo.svc.cluster.local': { ports: [{ service_port: 80, target_port: 8080 }] } },
      authorization_policies: ['demo/allow-web'],
      locality: { region: 'eu-west', zone: 'eu-west-1b' },
      extensions: [{ name: 'ambit.dev/node-address', config: { type_url: 'type.googleapis.com/google.protobuf.StringValue', value: strVal('127.0.0.12') } }],
    },
  });
  const svc = enc('istio.workload.Address', {
    service: { name: 'app', namespace: 'demo', hostname: 'app.demo.svc.cluster.local', addresses: [{ network: '', address: ipToBytes('10.96.0.9') }], ports: [{ service_port: 80, target_port: 8080 }] },
  });
  const bad = enc('istio.workload.Address', { workload: { uid: 'bad', addresses: [Buffer.from([1, 2, 3])] } });
  const res = (name: string, value: Buffer) => ({ name, version: '1', resource: { type_url: TYPE_URLS.address, value } });
  const errors = applyWds(state, decoders, TYPE_URLS.address, [res('Kubernetes//Pod/demo/app-1', wl), res('demo/app.demo.svc.cluster.local', svc), res('bad', bad)], []).errors;
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /bad: .*addresses\[0\]/);
  const w = state.workloadByIp('10.1.0.5');
  assert.equal(w?.identity, 'spiffe://cluster.local/ns/demo/sa/app', 'empty trust domain defaults to cluster.local');
  assert.equal(w?.tunnel, 'HBONE');
  assert.equal(w?.nodeAddress, '127.0.0.12');
  assert.deepEqual(w?.locality, { region: 'eu-west', zone: 'eu-west-1b', subzone: '' });
  assert.equal(state.serviceByVip('10.96.0.9')?.hostname, 'app.demo.svc.cluster.local');

  const authz = enc('istio.security.Authorization', {
    name: 'allow-web', namespace: 'demo', scope: 2, action: 0,
    groups: [{ rules: [{ matches: [{ principals: [{ prefix: 'cluster.local/ns/web/' }], destination_ports: [8080], source_ips: [{ address: ipToBytes('10.0.0.0'), length: 8 }] }] }] }],
  });
  assert.deepEqual(applyWds(state, decoders, TYPE_URLS.authorization, [{ name: 'demo/allow-web', version: '1', resource: { type_url: TYPE_URLS.authorization, value: authz } }], []).errors, []);
  const [p] = state.policiesFor(w!);
  assert.equal(p?.key, 'demo/allow-web');
  assert.deepEqual(p?.rules[0]?.[0]?.[0]?.principals, [{ kind: 'prefix', value: 'cluster.local/ns/web/' }]);
  assert.deepEqual(p?.rules[0]?.[0]?.[0]?.sourceIps, [{ ip: '10.0.0.0', length: 8 }]);

  // Resolution from a local source to the service: HBONE to the node address, authority podIP:targetPort, SNI.
  state.upsertWorkload({ ...w!, uid: 'src', addresses: ['10.1.0.9'], node: 'n1', services: {} });
  const plan = resolveOutbound(state, state.workloadByIp('10.1.0.9')!, { kind: 'hostname', hostname: 'app', port: 80 }, { domainSuffix: 'cluster.local' });
  assert.equal(plan.kind, 'hbone');
  assert.equal(plan.kind === 'hbone' && `${plan.dialIp}:${plan.dialPort} ${plan.authority} ${plan.serverName}`, '127.0.0.12:15008 10.1.0.5:8080 10.1.0.5.hbone.ambit');

  applyWds(state, decoders, TYPE_URLS.address, [], ['Kubernetes//Pod/demo/app-1']);
  assert.equal(state.workloadByIp('10.1.0.5'), undefined);
});

test('IP helpers: IPv6 normalization, brackets, CIDR containment', () => {
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('2001:0db8:0:0:0:0:0:1'), '2001:db8::1');
  assert.deepEqual(parseIpPort('[2001:db8::1]:443'), { ip: '2001:db8::1', port: 443 });
  assert.equal(parseIpPort('10.0.0.1:0'), undefined);
  assert.equal(parseIpPort('host:80'), undefined);
  assert.equal(cidrContains('2001:db8::', 32, '2001:db8:ffff::1'), true);
  assert.equal(cidrContains('10.0.0.0', 8, '2001:db8::1'), false);
});

const workloadIn = (namespace: string) => workload({ name: 'w', namespace, ip: '10.1.0.40', node: 'n1' });

test('Authorization CIDRs: length 0 is /0 (not a host); an impossible length or port NACKs the policy, naming the field', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const decoders = { decodeAddress, decodeAuthorization };
  const put = (name: string, obj: Record<string, unknown>) =>
    applyWds(state, decoders, TYPE_URLS.authorization, [{ name, version: '1', resource: { type_url: TYPE_URLS.authorization, value: enc('istio.security.Authorization', obj) } }], []).errors;
  assert.deepEqual(put('demo/any-v4', { name: 'any-v4', namespace: 'demo', scope: 1, action: 1, groups: [{ rules: [{ matches: [{ source_ips: [{ address: ipToBytes('0.0.0.0'), length: 0 }] }] }] }] }), []);
  const [p] = state.policiesFor(workloadIn('demo'));
  assert.deepEqual(p?.rules[0]?.[0]?.[0]?.sourceIps, [{ ip: '0.0.0.0', length: 0 }]);
  assert.equal(cidrContains('0.0.0.0', 0, '192.0.2.77'), true);

  const tooLong = put('demo/bad', { name: 'bad', namespace: 'demo', scope: 1, action: 0, groups: [{ rules: [{ matches: [{ not_source_ips: [{ address: ipToBytes('10.9.0.0'), length: 33 }] }] }] }] });
  assert.equal(tooLong.length, 1);
  assert.match(tooLong[0]!, /demo\/bad: groups\[0\]\.rules\[0\]\.matches\[0\]\.not_source_ips\[0\]: length 33 is not a prefix length of 10\.9\.0\.0/);
  const badPort = put('demo/bad-port', { name: 'bad-port', namespace: 'demo', scope: 1, action: 0, groups: [{ rules: [{ matches: [{ destination_ports: [70000] }] }] }] });
  assert.match(badPort[0] ?? '', /destination_ports\[0\]: 70000 is not a port/);
  assert.deepEqual(state.policiesFor(workloadIn('demo')).map((x) => x.key), ['demo/any-v4'], 'the rejected policies are not installed');
});

test('waypoint :authority is the VIP the client dialed; a hostname picks the VIP of the caller\'s family', () => {
  const state = createStateStore({ nodeName: 'n1' });
  state.upsertWorkload(workload({ name: 'wp', namespace: 'demo', ip: '10.1.0.99', node: 'n2', sa: 'waypoint' }));
  const gw = { kind: 'address' as const, ip: '10.1.0.99', hbonePort: 15008 };
  const dual = { ...service({ name: 'app', namespace: 'demo', vip: '10.96.0.9', ports: [{ servicePort: 80, targetPort: 8080 }], waypoint: gw }), vips: ['10.96.0.9', 'fd00::9'] };
  state.upsertService(dual);
  const v4 = workload({ name: 'c4', namespace: 'demo', ip: '10.1.0.7', node: 'n1' });
  const v6 = { ...workload({ name: 'c6', namespace: 'demo', ip: '10.1.0.8', node: 'n1' }), addresses: ['fd00:1::8'] };
  const authority = (src: typeof v4, target: Parameters<typeof resolveOutbound>[2]) => {
    const plan = resolveOutbound(state, src, target, { domainSuffix: 'cluster.local' });
    return plan.kind === 'hbone' && plan.viaWaypoint ? plan.authority : plan.kind;
  };
  assert.equal(authority(v4, { kind: 'ip', ip: 'fd00::9', port: 80 }), '[fd00::9]:80');
  assert.equal(authority(v4, { kind: 'ip', ip: '10.96.0.9', port: 80 }), '10.96.0.9:80');
  assert.equal(authority(v4, { kind: 'hostname', hostname: 'app', port: 80 }), '10.96.0.9:80');
  assert.equal(authority(v4, { kind: 'hostname', hostname: 'app.demo.svc', port: 80 }), '10.96.0.9:80', 'name.ns.svc');
  assert.equal(authority(v6, { kind: 'hostname', hostname: 'app', port: 80 }), '[fd00::9]:80');
  // Without a waypoint, a dual-stack endpoint is dialed in the family of the VIP the client used.
  const { waypoint: _wp, ...direct } = dual;
  state.upsertService(direct);
  state.upsertWorkload({ ...workload({ name: 'app-1', namespace: 'demo', ip: '10.1.0.5', node: 'n2', services: { [dual.key]: [{ servicePort: 80, targetPort: 8080 }] } }), addresses: ['10.1.0.5', 'fd00:1::5'] });
  const endpoint = (target: Parameters<typeof resolveOutbound>[2]) => {
    const plan = resolveOutbound(state, v4, target, { domainSuffix: 'cluster.local' });
    return plan.kind === 'hbone' ? plan.authority : plan.kind;
  };
  assert.equal(endpoint({ kind: 'ip', ip: 'fd00::9', port: 80 }), '[fd00:1::5]:8080');
  assert.equal(endpoint({ kind: 'ip', ip: '10.96.0.9', port: 80 }), '10.1.0.5:8080');
});

/** What `n` resolutions of `vip:80` from `client` pick: endpoint name → count (`error <reply>` for refusals). */
function pickCounts(state: ReturnType<typeof createStateStore>, client: ZWorkload, vip: string, n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const plan = resolveOutbound(state, client, { kind: 'ip', ip: vip, port: 80 }, { domainSuffix: 'cluster.local' });
    const name = plan.kind === 'error' ? `error ${plan.reply}` : plan.workload?.name ?? plan.kind;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
const distinctPicks = (state: ReturnType<typeof createStateStore>, client: ZWorkload, vip: string): string[] => Object.keys(pickCounts(state, client, vip, 40)).sort();

test('endpoint choice follows the service load balancing: STRICT node-local, FAILOVER closest first, ALLOW_ALL, PASSTHROUGH', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const client = workload({ name: 'client', ip: '10.2.0.1', node: 'n1' });
  const base = service({ name: 'cache', vip: '10.96.2.1', ports: [{ servicePort: 80, targetPort: 8080 }] });
  const ep = (name: string, ip: string, node: string, healthy = true) => ({ ...workload({ name, ip, node, services: { [base.key]: [{ servicePort: 80, targetPort: 8080 }] } }), healthy });
  state.upsertWorkload(client);
  state.upsertWorkload(ep('remote', '10.2.0.20', 'n2'));
  const lb = (loadBalancing: NonNullable<typeof base.loadBalancing>) => state.upsertService({ ...base, loadBalancing });
  const picks = () => distinctPicks(state, client, '10.96.2.1');
  lb({ routingPreference: ['NODE'], mode: 'STRICT', healthPolicy: 'ONLY_HEALTHY' });
  assert.deepEqual(picks(), ['error 4'], 'internalTrafficPolicy Local: no endpoint on the client node');
  state.upsertWorkload(ep('local', '10.2.0.10', 'n1'));
  assert.deepEqual(picks(), ['local']);
  lb({ routingPreference: ['NETWORK', 'NODE'], mode: 'FAILOVER', healthPolicy: 'ONLY_HEALTHY' });
  assert.deepEqual(picks(), ['local'], 'the closest tier wins');
  state.upsertWorkload(ep('local', '10.2.0.10', 'n1', false));
  assert.deepEqual(picks(), ['remote'], 'and fails over when it has no healthy endpoint');
  lb({ routingPreference: ['NODE'], mode: 'STRICT', healthPolicy: 'ALLOW_ALL' });
  assert.deepEqual(picks(), ['local'], 'ALLOW_ALL: a not-ready endpoint still counts');
  lb({ routingPreference: [], mode: 'PASSTHROUGH', healthPolicy: 'ALLOW_ALL' });
  const plan = resolveOutbound(state, client, { kind: 'ip', ip: '10.96.2.1', port: 80 }, { domainSuffix: 'cluster.local' });
  assert.equal(plan.kind === 'plaintext' && `${plan.dialIp}:${plan.dialPort}`, '10.96.2.1:80', 'PASSTHROUGH: the address the client dialed');
});

test('a named service port (target 0) reaches only endpoints that map it, as Istio filters the others', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const base = service({ name: 'named', vip: '10.96.4.1', ports: [{ servicePort: 80, targetPort: 0 }] });
  state.upsertService(base);
  const client = workload({ name: 'client', ip: '10.4.0.1', node: 'n1' });
  state.upsertWorkload(client);
  state.upsertWorkload(workload({ name: 'declares', ip: '10.4.0.10', node: 'n1', services: { [base.key]: [{ servicePort: 80, targetPort: 8081 }] } }));
  state.upsertWorkload(workload({ name: 'lacks', ip: '10.4.0.11', node: 'n1', services: { [base.key]: [] } }));
  assert.deepEqual(distinctPicks(state, client, '10.96.4.1'), ['declares']);
  const one = resolveOutbound(state, client, { kind: 'ip', ip: '10.96.4.1', port: 80 }, { domainSuffix: 'cluster.local' });
  assert.equal(one.kind === 'hbone' && one.authority, '10.4.0.10:8081', 'on the port the endpoint maps');
  state.upsertWorkload(workload({ name: 'declares', ip: '10.4.0.10', node: 'n1', services: { [base.key]: [] } }));
  const plan = resolveOutbound(state, client, { kind: 'ip', ip: '10.96.4.1', port: 80 }, { domainSuffix: 'cluster.local' });
  assert.equal(plan.kind, 'error', 'no endpoint declares the port');
});

test('capacity from WDS weights the endpoint choice; capacity 0 is never picked', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const decoders = { decodeAddress, decodeAuthorization };
  const base = service({ name: 'weighted', vip: '10.96.5.1', ports: [{ servicePort: 80, targetPort: 8080 }] });
  state.upsertService(base);
  const client = workload({ name: 'client', ip: '10.5.0.1', node: 'n1' });
  state.upsertWorkload(client);
  const ports = { [base.key]: { ports: [{ service_port: 80, target_port: 8080 }] } };
  const wire = (name: string, ip: string, capacity?: number) =>
    enc('istio.workload.Address', { workload: { uid: name, name, namespace: 'default', addresses: [ipToBytes(ip)], node: 'n1', services: ports, ...(capacity === undefined ? {} : { capacity: { value: capacity } }) } });
  const res = (name: string, value: Buffer) => ({ name, version: '1', resource: { type_url: TYPE_URLS.address, value } });
  const errors = applyWds(state, decoders, TYPE_URLS.address, [res('heavy', wire('heavy', '10.5.0.10', 3)), res('default', wire('default', '10.5.0.11')), res('drained', wire('drained', '10.5.0.12', 0))], []).errors;
  assert.deepEqual(errors, []);
  assert.equal(state.workloadByIp('10.5.0.10')?.capacity, 3);
  assert.equal(state.workloadByIp('10.5.0.11')?.capacity, undefined, 'unset means 1');
  assert.equal(state.workloadByIp('10.5.0.12')?.capacity, 0, 'a set wrapper holding 0 is 0, not the default');
  const counts = pickCounts(state, client, '10.96.5.1', 4000);
  assert.deepEqual(Object.keys(counts).sort(), ['default', 'heavy'], 'capacity 0 is never picked, nothing refused');
  const share = (counts.heavy ?? 0) / 4000; // expected 0.75; 4,000 draws put 0.70-0.80 beyond 7 standard deviations
  assert.ok(share > 0.7 && share < 0.8, `heavy got ${share}`);
});

test('FAILOVER over region and zone prefers the client zone, then its region, then anywhere', () => {
  const state = createStateStore({ nodeName: 'n1' });
  const at = (region: string, zone: string) => ({ region, zone, subzone: '' });
  const base = service({ name: 'cache', vip: '10.96.3.1', ports: [{ servicePort: 80, targetPort: 8080 }] });
  const client = { ...workload({ name: 'client', ip: '10.3.0.1', node: 'n1' }), locality: at('eu', 'eu-a') };
  const ep = (name: string, ip: string, locality: ReturnType<typeof at> | undefined, healthy = true) => ({
    ...workload({ name, ip, node: `node-${name}`, services: { [base.key]: [{ servicePort: 80, targetPort: 8080 }] } }),
    healthy,
    ...(locality ? { locality } : {}),
  });
  state.upsertWorkload(client);
  state.upsertService({ ...base, loadBalancing: { routingPreference: ['NETWORK', 'REGION', 'ZONE'], mode: 'FAILOVER', healthPolicy: 'ONLY_HEALTHY' } });
  for (const w of [ep('same-zone', '10.3.0.10', at('eu', 'eu-a')), ep('same-region', '10.3.0.11', at('eu', 'eu-b')), ep('elsewhere', '10.3.0.12', at('us', 'eu-a')), ep('unknown', '10.3.0.13', undefined)]) state.upsertWorkload(w);
  const picks = () => distinctPicks(state, client, '10.96.3.1');
  assert.deepEqual(picks(), ['same-zone']);
  state.upsertWorkload(ep('same-zone', '10.3.0.10', at('eu', 'eu-a'), false));
  assert.deepEqual(picks(), ['same-region'], 'a zone of another region named like ours is not closer');
  state.upsertWorkload(ep('same-region', '10.3.0.11', at('eu', 'eu-b'), false));
  assert.deepEqual(picks(), ['elsewhere', 'unknown'], 'the network tier: every other healthy endpoint');
  state.upsertService({ ...base, loadBalancing: { routingPreference: ['REGION'], mode: 'STRICT', healthPolicy: 'ONLY_HEALTHY' } });
  assert.deepEqual(picks(), ['error 4'], 'STRICT region: no healthy endpoint in eu');
  state.upsertService({ ...base, loadBalancing: { routingPreference: ['ZONE'], mode: 'STRICT', healthPolicy: 'ONLY_HEALTHY' } });
  assert.deepEqual(picks(), ['elsewhere'], 'ZONE alone compares the zone name only, whatever the region (as Istio)');
});
