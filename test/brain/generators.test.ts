/** The control-plane generators for brain resources, on plain mesh objects; decoded with the brain's own decoders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBrainGenerators, BRAIN_TYPE_URLS, parseStickyKey } from '../../src/control-plane/translate/brain/index.js';
import type { XdsClientInfo } from '../../src/control-plane/xds/generator.js';
import { decodeAuthorizationPolicy, decodeBrainSettings, decodeRequestAuthentication, decodeStickyRoute } from '../../src/shared/authz/wire.js';
import { PRODUCTS, mesh, policy, requestAuthn, stickyRoute, waypoint } from './support/mesh.js';

const client = (waypointKey?: string): XdsClientInfo => ({ nodeId: 'brain~127.0.30.20~waypoint.shop~shop.svc.cluster.local', proxyType: 'brain', metadata: {}, ...(waypointKey ? { waypointKey } : {}) });
const gen = (typeUrl: string) => createBrainGenerators().find((g) => g.typeUrl === typeUrl)!;

const snapshot = mesh(1, {
  waypoints: [waypoint('shop', 'waypoint', [PRODUCTS], { 'ambit.dev/debug': 'true' }), waypoint('other', 'waypoint', [])],
  policies: [
    policy('shop', 'get-only', 'ALLOW', [{ to: [{ operation: { methods: ['GET'], notPaths: ['/admin*'] } }], when: [{ key: 'request.auth.claims[group]', values: ['a'], notValues: ['b'] }] }], { waypoints: ['shop/waypoint'], services: [PRODUCTS] }),
    policy('shop', 'allow-nothing', 'ALLOW', undefined, { waypoints: ['shop/waypoint'], dryRun: true }),
    policy('other', 'not-mine', 'DENY', [{}], { waypoints: ['other/waypoint'] }),
  ],
  ras: [requestAuthn('shop', 'jwt', [{ issuer: 'iss', audiences: ['aud'], jwksUri: 'http://127.0.30.9/jwks', fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }], fromParams: [], forwardOriginalToken: true }], ['shop/waypoint'])],
  routes: [stickyRoute('shop', 'products-canary', 'cookie:user', [['products-v1', 90], ['products-v2', 10]], [PRODUCTS]), stickyRoute('shop', 'bad', 'not valid', [['a', 1], ['b', 1]], [PRODUCTS])],
});

test('policies for this waypoint only, round-tripping Istio fields, allow-nothing and dry-run', () => {
  const out = gen(BRAIN_TYPE_URLS.authorizationPolicy).generate(snapshot, client('shop/waypoint'));
  assert.deepEqual([...out.keys()].sort(), ['shop/allow-nothing', 'shop/get-only']);
  const p = decodeAuthorizationPolicy(out.get('shop/get-only')!.resource.value);
  assert.deepEqual(p, {
    namespace: 'shop', name: 'get-only', action: 'ALLOW', dryRun: false, services: [PRODUCTS],
    rules: [{ to: [{ operation: { methods: ['GET'], notPaths: ['/admin*'] } }], when: [{ key: 'request.auth.claims[group]', values: ['a'], notValues: ['b'] }] }],
  });
  const nothing = decodeAuthorizationPolicy(out.get('shop/allow-nothing')!.resource.value);
  assert.equal(nothing.dryRun, true);
  assert.deepEqual(nothing.rules, []);
  assert.equal(gen(BRAIN_TYPE_URLS.authorizationPolicy).generate(snapshot, client()).size, 0, 'unauthenticated caller gets nothing');
});

test('request authentications, sticky routes and settings', () => {
  const ra = gen(BRAIN_TYPE_URLS.requestAuthentication).generate(snapshot, client('shop/waypoint'));
  assert.deepEqual(decodeRequestAuthentication(ra.get('shop/jwt')!.resource.value).jwtRules, [
    { issuer: 'iss', audiences: ['aud'], jwksUri: 'http://127.0.30.9/jwks', fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }], fromParams: [], forwardOriginalToken: true },
  ]);
  const sticky = gen(BRAIN_TYPE_URLS.stickyRoute).generate(snapshot, client('shop/waypoint'));
  assert.deepEqual([...sticky.keys()], ['shop/products-canary'], 'malformed annotation skipped');
  assert.deepEqual(decodeStickyRoute(sticky.get('shop/products-canary')!.resource.value), {
    namespace: 'shop', name: 'products-canary', services: [PRODUCTS], key: { kind: 'cookie', name: 'user' },
    backends: [{ name: 'products-v1', weight: 90 }, { name: 'products-v2', weight: 10 }],
  });
  assert.equal(gen(BRAIN_TYPE_URLS.stickyRoute).generate(snapshot, client('other/waypoint')).size, 0);
  const settings = gen(BRAIN_TYPE_URLS.brainSettings).generate(snapshot, client('shop/waypoint'));
  assert.deepEqual(decodeBrainSettings(settings.get('shop/waypoint')!.resource.value), { debug: true, pathNormalization: 'BASE' });
  assert.equal(decodeBrainSettings(gen(BRAIN_TYPE_URLS.brainSettings).generate(snapshot, client('other/waypoint')).get('other/waypoint')!.resource.value).debug, false);
});

test('sticky-key annotation parsing', () => {
  assert.deepEqual(parseStickyKey('header:x-user'), { kind: 'header', name: 'x-user' });
  assert.deepEqual(parseStickyKey('cookie:session'), { kind: 'cookie', name: 'session' });
  assert.deepEqual(parseStickyKey('x-user'), { kind: 'header', name: 'x-user' }, 'bare name = header');
  assert.equal(parseStickyKey('query:x'), undefined);
  assert.equal(parseStickyKey('a b'), undefined);
  assert.equal(parseStickyKey(undefined), undefined);
});
