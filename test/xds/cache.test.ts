import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createXdsCache } from '../../src/control-plane/xds/cache.js';
import type { ResourceGenerator, XdsClientInfo, XdsResource } from '../../src/control-plane/xds/generator.js';
import { makeResource } from '../../src/control-plane/xds/resource.js';
import { createAddressGenerator } from '../../src/control-plane/translate/workload/generator.js';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { evolve, mesh, pod } from './mesh-factory.js';

const zt: XdsClientInfo = { nodeId: 'ztunnel~a', proxyType: 'ztunnel', nodeName: 'node-a', metadata: {} };
const wp: XdsClientInfo = { nodeId: 'router~b', proxyType: 'waypoint', waypointKey: 'default/wp', metadata: {} };

test('shared generator: computed once per version, changedSince names the moved resources', () => {
  let calls = 0;
  const inner = createAddressGenerator();
  const counting: ResourceGenerator = { ...inner, generate: (m, c) => (calls++, inner.generate(m, c)) };
  const cache = createXdsCache([counting]);
  assert.equal(cache.resources(TYPE_URLS.address, zt).size, 0, 'empty before the first mesh');
  const a = pod('a', '10.1.0.1');
  const b = pod('b', '10.1.0.2');
  const m1 = mesh(1, { workloads: [a, b] });
  cache.setMesh(m1);
  assert.equal(cache.resources(TYPE_URLS.address, zt).size, 2);
  assert.equal(cache.resources(TYPE_URLS.address, wp).size, 2);
  assert.equal(calls, 1, 'perClient: false → one generation shared by all clients');
  assert.equal(cache.aliasTarget(TYPE_URLS.address, zt, '/10.1.0.2'), b.uid);
  cache.setMesh(evolve(m1, { workloads: [{ ...a, healthy: false }, pod('c', '10.1.0.3')], remove: [b.uid] }));
  cache.resources(TYPE_URLS.address, zt);
  assert.deepEqual([...cache.changedSince(TYPE_URLS.address, 1)!].sort(), [a.uid, b.uid, 'Kubernetes//Pod/default/c'].sort());
  assert.deepEqual([...cache.changedSince(TYPE_URLS.address, 2)!], []);
  assert.equal(cache.changedSince(TYPE_URLS.address, 0), undefined, 'unknown base version → full compare');
  assert.equal(cache.hasType(TYPE_URLS.cluster), false);
});

test('per-client generator: computed per client and version, no diff hint', () => {
  const seen: string[] = [];
  const perClient: ResourceGenerator = {
    typeUrl: TYPE_URLS.listener,
    perClient: true,
    generate(m, c) {
      seen.push(c.nodeId);
      const r: XdsResource = makeResource(`${c.proxyType}-${m.version}`, TYPE_URLS.listener, Buffer.from(c.nodeId));
      return new Map([[r.name, r]]);
    },
  };
  const cache = createXdsCache([perClient]);
  cache.setMesh(mesh(1, {}));
  assert.deepEqual([...cache.resources(TYPE_URLS.listener, wp).keys()], ['waypoint-1']);
  cache.resources(TYPE_URLS.listener, wp);
  cache.resources(TYPE_URLS.listener, zt);
  assert.deepEqual(seen, ['router~b', 'ztunnel~a']);
  assert.equal(cache.changedSince(TYPE_URLS.listener, 1), undefined);
});
