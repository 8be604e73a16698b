/** SDS secrets (the waypoint's private key) go only to a caller authenticated as that waypoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TYPE_URLS } from '../../src/shared/constants.js';
import { createWaypointGenerators } from '../../src/control-plane/translate/envoy/index.js';
import type { MeshSnapshot, MeshWaypoint } from '../../src/shared/model/mesh.js';
import type { XdsClientInfo } from '../../src/control-plane/xds/generator.js';

const WAYPOINT: MeshWaypoint = {
  name: 'waypoint', namespace: 'shop', key: 'shop/waypoint', address: '127.0.20.250', for: 'service',
  serviceAccount: 'waypoint', identity: 'spiffe://cluster.local/ns/shop/sa/waypoint', services: [], workloads: [],
  problems: [], annotations: {},
};
const MESH: MeshSnapshot = {
  version: 1,
  options: { trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' },
  nodes: new Map(), workloads: new Map(), services: new Map(), waypoints: new Map([[WAYPOINT.key, WAYPOINT]]),
  policies: new Map(), requestAuthentications: new Map(), httpRoutes: new Map(), namespaces: new Map(),
};
const SECRET = { keyPem: 'KEY', certChainPem: ['CERT'], rootsPem: ['ROOT'], spiffeId: WAYPOINT.identity, issuedAtMs: 0, expiresAtMs: 1 };

function secretsFor(client: XdsClientInfo): string[] {
  const { generators } = createWaypointGenerators({ secrets: { get: (key: string) => (key === WAYPOINT.key ? SECRET : undefined) } as never });
  const sds = generators.find((g) => g.typeUrl === TYPE_URLS.secret);
  assert.ok(sds, 'an SDS generator exists');
  return [...sds.generate(MESH, client).keys()].sort();
}

const nodeId = 'waypoint~127.0.20.250~waypoint.shop~shop.svc.cluster.local';

test('the authenticated waypoint gets its certificate and roots', () => {
  assert.deepEqual(secretsFor({ nodeId, proxyType: 'waypoint', waypointKey: 'shop/waypoint', metadata: {} }), ['ROOTCA', 'default']);
});

test('a caller that only claims the waypoint in its node id gets no secrets', () => {
  assert.deepEqual(secretsFor({ nodeId, proxyType: 'waypoint', metadata: {} }), []);
});

test('another authenticated waypoint gets none of this waypoint\'s secrets', () => {
  assert.deepEqual(secretsFor({ nodeId, proxyType: 'waypoint', waypointKey: 'shop/other', metadata: {} }), []);
});
