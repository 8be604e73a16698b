/** Brain units: access-log labels, response flags, sticky assignment spread, remote JWKS fetching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { labelsFor, responseFlags } from '../../src/waypoint/brain/access-log-service.js';
import { createWorkloadIndex } from '../../src/waypoint/brain/workload-index.js';
import { assignBackend, stickyKeyValue } from '../../src/waypoint/brain/sticky.js';
import { createJwksCache } from '../../src/waypoint/brain/jwks-cache.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { jwtIssuer } from './support/check-client.js';

test('response flags render as Envoy short names, "-" when none', () => {
  assert.equal(responseFlags(undefined), '-');
  assert.equal(responseFlags({ no_route_found: false }), '-');
  assert.equal(responseFlags({ unauthorized_details: { reason: 'EXTERNAL_SERVICE' } }), 'UAEX');
  assert.equal(responseFlags({ upstream_connection_failure: true, no_healthy_upstream: true }), 'UH,UF');
});

test('Istio labels from an HTTP access-log entry and the workload index', () => {
  const index = createWorkloadIndex();
  const w = (name: string, ip: string, sa: string, app: string, rev: string) => ({
    name: `uid-${name}`,
    workload: { uid: `uid-${name}`, name, namespace: 'shop', workloadName: app, serviceAccount: sa, trustDomain: 'cluster.local', canonicalName: app, canonicalRevision: rev, addresses: [ip] },
  });
  index.update([w('fe', '10.0.0.1', 'frontend', 'frontend', 'v1'), w('pr', '10.0.0.2', 'products', 'products', 'v2'), { name: 'shop/products.shop.svc.cluster.local', service: { name: 'products', namespace: 'shop', hostname: 'products.shop.svc.cluster.local', vips: ['10.96.0.1'] } }], []);
  const l = labelsFor(
    {
      common_properties: { upstream_remote_address: { socket_address: { address: '10.0.0.2' } }, downstream_local_address: { socket_address: { address: '10.96.0.1' } } },
      request: { authority: '10.96.0.1:9080', request_headers: { 'x-ambit-peer-principal': 'spiffe://cluster.local/ns/shop/sa/frontend', 'x-ambit-peer-address': '10.0.0.1:5000', 'content-type': 'application/grpc' } },
      response: { response_code: { value: 200 }, response_trailers: { 'grpc-status': '0' } },
    },
    { index, clusterId: 'Kubernetes' },
  );
  assert.equal(l.reporter, 'waypoint');
  assert.equal(l.source_workload, 'frontend');
  assert.equal(l.source_version, 'v1');
  assert.equal(l.destination_workload, 'products');
  assert.equal(l.destination_principal, 'spiffe://cluster.local/ns/shop/sa/products');
  assert.equal(l.destination_service, 'products.shop.svc.cluster.local', 'resolved from the VIP');
  assert.equal(l.destination_cluster, 'Kubernetes');
  assert.equal(l.request_protocol, 'grpc');
  assert.equal(l.grpc_response_status, '0');
  assert.equal(l.connection_security_policy, 'mutual_tls');
  const empty = labelsFor({}, { index, clusterId: 'Kubernetes' });
  assert.equal(empty.source_workload, 'unknown');
  assert.equal(empty.response_code, '0');
  assert.equal(empty.connection_security_policy, 'unknown');
});

test('sticky assignment is stable and follows the weights', () => {
  const route = { namespace: 'shop', name: 'r', services: [], key: { kind: 'cookie' as const, name: 'user' }, backends: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] };
  assert.equal(stickyKeyValue(route, new Map([['cookie', 'a=1; user=bob ; c=3']])), 'bob');
  assert.equal(stickyKeyValue(route, new Map([['cookie', 'username=bob']])), undefined);
  const counts = { v1: 0, v2: 0 } as Record<string, number>;
  for (let i = 0; i < 2000; i++) counts[assignBackend(route, `user-${i}`)!]!++;
  assert.ok(counts.v2! > 120 && counts.v2! < 290, `v2 got ${counts.v2} of 2000 (expected ~200)`);
  assert.equal(assignBackend(route, 'alice'), assignBackend(route, 'alice'));
  assert.equal(assignBackend({ ...route, backends: [{ name: 'x', weight: 0 }] }, 'a'), undefined);
});

test('remote JWKS: fetched once, kept after a failed refresh source', async () => {
  const issuer = jwtIssuer();
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end(issuer.jwks);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.30.6', r));
  const uri = `http://127.0.30.6:${(server.address() as AddressInfo).port}/jwks`;
  const cache = createJwksCache({ logger: silentLogger });
  const rule = { issuer: 'i', audiences: [], jwksUri: uri, fromHeaders: [], fromParams: [], forwardOriginalToken: false };
  assert.equal(cache.lookup(rule), undefined, 'not yet downloaded');
  await cache.prefetch([rule]);
  assert.ok(cache.lookup(rule));
  await cache.prefetch([rule]);
  assert.equal(hits, 1);
  await new Promise<void>((r) => server.close(() => r()));
  assert.ok(cache.lookup(rule), 'still served after the issuer went away');
});
