import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAddressGenerator, createWorkloadGenerator } from '../../../src/control-plane/translate/workload/generator.js';
import { decodeAddress, decodeWorkload } from '../../../src/shared/xds/wds-codec.js';
import { ipToBytes, bytesToIp } from '../../../src/shared/xds/ip-bytes.js';
import type { XdsClientInfo } from '../../../src/control-plane/xds/generator.js';
import { evolve, mesh, pod, service } from '../../xds/mesh-factory.js';

const client: XdsClientInfo = { nodeId: 'ztunnel~127.0.42.11~z.istio-system~istio-system.svc.cluster.local', proxyType: 'ztunnel', metadata: {} };

test('ip bytes round-trip v4 and v6', () => {
  for (const ip of ['10.0.0.1', '::1', 'fd00::1:2', '2001:db8::', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8']) {
    const b = ipToBytes(ip);
    assert.ok(b, ip);
    assert.equal(b.length, ip.includes(':') ? 16 : 4);
  }
  assert.equal(bytesToIp(ipToBytes('fd00::1:2')!), 'fd00::1:2');
  assert.equal(bytesToIp(ipToBytes('1:2:3:4:5:6:7:8')!), '1:2:3:4:5:6:7:8');
  assert.equal(bytesToIp(ipToBytes('::ffff:1.2.3.4')!), '::ffff:102:304');
  assert.equal(ipToBytes('not-an-ip'), undefined);
});

test('pod workload encodes as Istio Workload with uid name, aliases and HBONE', () => {
  const svc = service('reviews', '10.96.0.10');
  const w = pod('reviews-1', '10.1.0.5', {
    serviceAccount: 'bookinfo-reviews',
    services: { [svc.key]: [{ servicePort: 80, targetPort: 9080, appProtocol: 'http' }] },
    selectorPolicies: ['default/allow-reviews'],
    waypoint: { namespace: 'default', name: 'waypoint', address: '127.0.42.21', hbonePort: 15008 },
    locality: { region: 'eu-west', zone: 'eu-west-1a', subzone: '' },
  });
  const out = createAddressGenerator().generate(mesh(1, { workloads: [w], services: [svc] }), client);
  assert.deepEqual([...out.keys()].sort(), ['Kubernetes//Pod/default/reviews-1', 'default/reviews.default.svc.cluster.local']);
  const r = out.get(w.uid)!;
  assert.deepEqual(r.aliases, ['/10.1.0.5']);
  const addr = decodeAddress(r.resource);
  assert.equal(addr.type, 'workload');
  const wl = addr.workload as Record<string, any>;
  assert.equal(wl.uid, w.uid);
  assert.equal(wl.name, 'reviews-1');
  assert.equal(bytesToIp(wl.addresses[0]), '10.1.0.5');
  assert.equal(wl.tunnel_protocol, 'HBONE');
  assert.equal(wl.trust_domain, '', 'mesh-default trust domain is elided as istiod does');
  assert.equal(wl.service_account, 'bookinfo-reviews');
  assert.equal(wl.workload_type, 'POD');
  assert.equal(wl.cluster_id, 'Kubernetes');
  assert.deepEqual(wl.locality, { region: 'eu-west', zone: 'eu-west-1a', subzone: '' }, 'locality is field 24');
  assert.equal(wl.status, 'HEALTHY');
  assert.deepEqual(wl.authorization_policies, ['default/allow-reviews']);
  assert.deepEqual(wl.services[svc.key].ports, [{ service_port: 80, target_port: 9080, app_protocol: 'HTTP11' }]);
  assert.equal(wl.waypoint.destination, 'address');
  assert.equal(bytesToIp(wl.waypoint.address.address), '127.0.42.21');
  assert.equal(wl.waypoint.hbone_mtls_port, 15008);
  assert.equal(wl.extensions[0].name, 'ambit.dev/node-address');
});

test('service encodes with VIPs, ports and ip family; unready uncaptured pod is NONE/UNHEALTHY', () => {
  const svc = service('ratings', 'fd00::10');
  const w = pod('legacy', '10.1.0.9', { captured: false, healthy: false, trustDomain: 'example.org' });
  const out = createAddressGenerator().generate(mesh(1, { workloads: [w], services: [svc] }), client);
  const s = decodeAddress(out.get(svc.key)!.resource).service as Record<string, any>;
  assert.equal(s.hostname, 'ratings.default.svc.cluster.local');
  assert.equal(bytesToIp(s.addresses[0].address), 'fd00::10');
  assert.equal(s.ip_families, 'IPV6_ONLY');
  assert.deepEqual(s.ports, [{ service_port: 80, target_port: 8080, app_protocol: 'HTTP11' }]);
  assert.deepEqual(out.get(svc.key)!.aliases, ['/fd00::10']);
  const wl = decodeAddress(out.get(w.uid)!.resource).workload as Record<string, any>;
  assert.equal(wl.tunnel_protocol, 'NONE');
  assert.equal(wl.status, 'UNHEALTHY');
  assert.equal(wl.trust_domain, 'example.org');
});

test('unchanged objects keep their encoding; a changed pod changes only its version', () => {
  const gen = createAddressGenerator();
  const a = pod('a', '10.1.0.1');
  const b = pod('b', '10.1.0.2');
  const m1 = mesh(1, { workloads: [a, b] });
  const r1 = gen.generate(m1, client);
  const m2 = evolve(m1, { workloads: [{ ...b, healthy: false }] });
  const r2 = gen.generate(m2, client);
  assert.equal(r2.get(a.uid), r1.get(a.uid), 'same object identity → same cached resource');
  assert.notEqual(r2.get(b.uid)!.version, r1.get(b.uid)!.version);
  // Equal content in a fresh object hashes to the same version.
  const r3 = gen.generate(evolve(m2, { workloads: [{ ...a }] }), client);
  assert.equal(r3.get(a.uid)!.version, r1.get(a.uid)!.version);
});

test('bare Workload generator serves the same workloads by uid', () => {
  const w = pod('a', '10.1.0.1');
  const out = createWorkloadGenerator().generate(mesh(1, { workloads: [w], services: [service('s', '10.96.0.1')] }), client);
  assert.deepEqual([...out.keys()], [w.uid]);
  assert.equal(decodeWorkload(out.get(w.uid)!.resource).uid, w.uid);
  assert.throws(() => decodeWorkload({ type_url: 'type.googleapis.com/istio.workload.Address', value: Buffer.alloc(0) }), /expected/);
});

test('numeric enum constants match proto/istio/workload.proto', async () => {
  const enums = await import('../../../src/control-plane/translate/workload/enums.js');
  const { loadProtoRoot } = await import('../../../src/shared/proto/load.js');
  const root = loadProtoRoot(['istio/workload.proto']);
  for (const [name, values] of Object.entries(enums)) {
    assert.deepEqual({ ...root.lookupEnum(`istio.workload.${name.replace('_', '.')}`).values }, { ...values }, name);
  }
});

test('service load balancing reaches ztunnel: internalTrafficPolicy Local is STRICT [NODE]; publishNotReady is ALLOW_ALL', async () => {
  const { convertService } = await import('../../../src/ztunnel/state/wds.js');
  const local = service('cache', '10.96.0.20', { loadBalancing: { routingPreference: ['NODE'], mode: 'STRICT', healthPolicy: 'ALLOW_ALL' } });
  const plain = service('plain', '10.96.0.21');
  const out = createAddressGenerator().generate(mesh(1, { services: [local, plain] }), client);
  const s = decodeAddress(out.get(local.key)!.resource).service as Record<string, any>;
  assert.deepEqual(s.load_balancing, { routing_preference: ['NODE'], mode: 'STRICT', health_policy: 'ALLOW_ALL' });
  const z = convertService(s);
  assert.ok(z.ok);
  assert.deepEqual(z.ok && z.value.loadBalancing, { routingPreference: ['NODE'], mode: 'STRICT', healthPolicy: 'ALLOW_ALL' });
  const p = decodeAddress(out.get(plain.key)!.resource).service as Record<string, any>;
  assert.equal(p.load_balancing ?? undefined, undefined, 'no rules: field absent, as istiod');
  const bad = convertService({ ...s, load_balancing: { mode: 'SOMETIMES' } });
  assert.ok(!bad.ok && /load_balancing\.mode: unknown value SOMETIMES/.test(bad.error));
  // An enum number this proto does not know decodes as a number: rejected, not defaulted.
  const future = convertService({ ...s, load_balancing: { routing_preference: ['NODE'], mode: 9, health_policy: 'ALLOW_ALL' } });
  assert.ok(!future.ok && /load_balancing\.mode: unknown value 9/.test(future.error));
  const futureHealth = convertService({ ...s, load_balancing: { routing_preference: [], mode: 'STRICT', health_policy: 7 } });
  assert.ok(!futureHealth.ok && /health_policy: unknown value 7/.test(futureHealth.error));
});
