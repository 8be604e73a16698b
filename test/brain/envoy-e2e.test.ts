/**
 * End to end through real Envoy 1.40: mTLS client → Envoy (ext_authz + ext_proc + gRPC access log to the brain) →
 * direct-response routes. Covers the issue's scenarios: allowed principal's DELETE denied when only GET is allowed,
 * foreign principal denied, GET allowed, a JWT claim rule, dry-run counters, sticky canary, Istio metrics from the
 * access-log stream, and fail-closed behaviour (403 + UAEX) when the brain is down.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBrain, type Brain } from '../../src/waypoint/brain/index.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { envoyOrSkip } from '../support/envoy.js';
import { createTestPki, type TestPki } from './support/certs.js';
import { startEnvoy, type EnvoyProcess } from './support/envoy-process.js';
import { waypointBootstrap } from './support/waypoint-bootstrap.js';
import { jwtIssuer } from './support/check-client.js';
import { pol } from './check-cases.js';

const HOST = '127.0.30.2';
const DOWN_HOST = '127.0.30.3';
const CLIENT_IP = '127.0.30.4';
const ISSUER = 'https://issuer.example.com';
const FRONTEND = 'spiffe://cluster.local/ns/shop/sa/frontend';
const FOREIGN = 'spiffe://cluster.local/ns/evil/sa/attacker';

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Envoy flushes file access logs periodically: poll (up to 15 s) until the log matches. */
async function logMatching(path: string, re: RegExp): Promise<string> {
  let log = '';
  for (let i = 0; i < 150 && !re.test(log); i++) {
    await new Promise((res) => setTimeout(res, 100));
    try {
      log = readFileSync(path, 'utf8');
    } catch {
      /* not created yet */
    }
  }
  return log;
}

const envoy = envoyOrSkip();
const skip = 'skip' in envoy ? envoy.skip : false;

describe('brain behind real Envoy', { skip }, () => {
  let pki: TestPki;
  let brain: Brain;
  let proxy: EnvoyProcess;
  let down: EnvoyProcess;
  let logDir: string;
  const issuer = jwtIssuer();
  const clients = new Map<string, { cert: string; key: string }>();

  function call(host: string, principal: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
    let id = clients.get(principal);
    if (!id) clients.set(principal, (id = pki.client(principal)));
    return new Promise((resolve, reject) => {
      const req = request(
        { host, port: 18000, method, path, headers: { host: 'products.shop.svc.cluster.local', ...headers }, ca: readFileSync(pki.caCert), cert: id.cert, key: id.key, servername: 'waypoint.shop', localAddress: CLIENT_IP, agent: false },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  before(async () => {
    if (!('path' in envoy)) return;
    pki = createTestPki('waypoint.shop');
    logDir = mkdtempSync(join(tmpdir(), 'ambit-brain-e2e-'));
    brain = createBrain(
      { waypoint: 'shop/waypoint', grpcTarget: '127.0.30.1:0', httpHost: '127.0.30.1', metricsPort: 0, readinessPort: 0 },
      { logger: silentLogger },
    );
    await brain.start();
    brain.workloads.update(
      [
        {
          name: 'Kubernetes//Pod/shop/frontend-1',
          workload: {
            uid: 'Kubernetes//Pod/shop/frontend-1', name: 'frontend-1', namespace: 'shop', workloadName: 'frontend', serviceAccount: 'frontend',
            trustDomain: 'cluster.local', canonicalName: 'frontend', canonicalRevision: 'v1', addresses: [CLIENT_IP],
          },
        },
        { name: 'shop/products.shop.svc.cluster.local', service: { name: 'products', namespace: 'shop', hostname: 'products.shop.svc.cluster.local', vips: [] } },
      ],
      [],
    );
    brain.store.set({
      policies: [
        pol('products-get', 'ALLOW', [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }], to: [{ operation: { methods: ['GET'] } }] }]),
        pol('admins', 'ALLOW', [{ to: [{ operation: { paths: ['/admin/*'] } }], when: [{ key: 'request.auth.claims[group]', values: ['admins'] }] }]),
        pol('no-reviews', 'DENY', [{ to: [{ operation: { paths: ['/reviews*'] } }] }], { dryRun: true }),
      ],
      requestAuthentications: [
        { namespace: 'shop', name: 'jwt', services: [], jwtRules: [{ issuer: ISSUER, audiences: [], jwks: issuer.jwks, fromHeaders: [], fromParams: [], forwardOriginalToken: false }] },
      ],
      stickyRoutes: [{ namespace: 'shop', name: 'products', services: [], key: { kind: 'cookie', name: 'user' }, backends: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50 }] }],
      settings: { debug: true, pathNormalization: 'BASE' },
    });
    const common = { listenerPort: 18000, pki, stickyBackends: ['v1', 'v2'] };
    proxy = await startEnvoy(envoy.path, waypointBootstrap({ ...common, host: HOST, adminPort: 18001, brain: { host: '127.0.30.1', port: brain.ports.grpc }, accessLogPath: join(logDir, 'up.log') }), { host: HOST, port: 18001 });
    // Nothing listens on 127.0.30.1:1: the brain is "down" for this Envoy.
    down = await startEnvoy(envoy.path, waypointBootstrap({ ...common, host: DOWN_HOST, adminPort: 18001, brain: { host: '127.0.30.1', port: 1 }, accessLogPath: join(logDir, 'down.log') }), { host: DOWN_HOST, port: 18001 });
  });

  after(async () => {
    await proxy?.stop();
    await down?.stop();
    await brain?.close();
    pki?.cleanup();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  test('allowed principal: GET allowed, with the debug header naming policy and rule', async () => {
    const r = await call(HOST, FRONTEND, 'GET', '/products');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-ambit-authz'], 'allow policy=shop/products-get rule=0');
  });

  test('allowed principal: DELETE denied when only GET is allowed', async () => {
    const r = await call(HOST, FRONTEND, 'DELETE', '/products/1');
    assert.equal(r.status, 403);
    assert.equal(r.body, 'RBAC: access denied');
    assert.equal(r.headers['x-ambit-authz'], 'deny policy=shop/admins,shop/products-get rule=-');
  });

  test('foreign principal denied', async () => {
    const r = await call(HOST, FOREIGN, 'GET', '/products');
    assert.equal(r.status, 403);
    assert.equal(r.body, 'RBAC: access denied');
  });

  test('JWT claim rule: admins allowed, others denied, bad token 401', async () => {
    const good = issuer.token({ iss: ISSUER, sub: 'alice', group: 'admins', exp: Math.floor(Date.now() / 1000) + 600 });
    const user = issuer.token({ iss: ISSUER, sub: 'bob', group: 'users', exp: Math.floor(Date.now() / 1000) + 600 });
    const ok = await call(HOST, FOREIGN, 'POST', '/admin/reindex', { authorization: `Bearer ${good}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-ambit-authz'], 'allow policy=shop/admins rule=0');
    assert.equal((await call(HOST, FOREIGN, 'POST', '/admin/reindex', { authorization: `Bearer ${user}` })).status, 403);
    const bad = await call(HOST, FOREIGN, 'POST', '/admin/reindex', { authorization: `Bearer ${good.slice(0, -4)}AAAA` });
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers['www-authenticate']), /invalid_token/);
  });

  test('dot-segments are normalized before path matching', async () => {
    const r = await call(HOST, FOREIGN, 'GET', '/public/../admin/x', { authorization: `Bearer ${issuer.token({ iss: ISSUER, sub: 'a', group: 'admins' })}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-ambit-authz'], 'allow policy=shop/admins rule=0');
  });

  test('dry-run DENY is counted, not enforced', async () => {
    const metric = async () => {
      const text = await (await fetch(`http://127.0.30.1:${brain.ports.metrics}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('ambit_authz_dry_run_decisions_total{policy="no-reviews",namespace="shop",result="deny"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await metric();
    const r = await call(HOST, FRONTEND, 'GET', '/reviews/1');
    assert.equal(r.status, 200);
    assert.equal(await metric(), before + 1);
  });

  test('sticky canary: a cookie keeps its backend; keys spread over both', async () => {
    const seen = new Set<string>();
    for (let u = 0; u < 24; u++) {
      const first = (await call(HOST, FRONTEND, 'GET', '/products', { cookie: `theme=dark; user=u${u}` })).body;
      assert.match(first, /^backend=v[12]$/);
      for (let i = 0; i < 2; i++) assert.equal((await call(HOST, FRONTEND, 'GET', '/products', { cookie: `user=u${u}` })).body, first);
      seen.add(first);
    }
    assert.deepEqual([...seen].sort(), ['backend=v1', 'backend=v2']);
    assert.equal((await call(HOST, FRONTEND, 'GET', '/products')).body, 'backend=default');
  });

  test('Istio metrics from the access-log stream', async () => {
    await call(HOST, FRONTEND, 'DELETE', '/products/2');
    const want = [
      'reporter="waypoint"',
      'source_workload="frontend"',
      'source_workload_namespace="shop"',
      `source_principal="${FRONTEND}"`,
      'source_app="frontend"',
      'source_version="v1"',
      'destination_service="products.shop.svc.cluster.local"',
      'destination_service_name="products"',
      'request_protocol="http"',
      'response_code="403"',
      'response_flags="UAEX"',
      'connection_security_policy="mutual_tls"',
    ];
    let found: string | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      const text = await (await fetch(`http://127.0.30.1:${brain.ports.metrics}/metrics`)).text();
      found = text.split('\n').find((l) => l.startsWith('istio_requests_total{') && want.every((w) => l.includes(w)));
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found, 'istio_requests_total with the waypoint label set for the denied DELETE');
    const accessLog = await logMatching(join(logDir, 'up.log'), /^403 UAEX policy=shop\/admins,shop\/products-get$/m);
    assert.match(accessLog, /^403 UAEX policy=shop\/admins,shop\/products-get$/m, 'deciding policy in Envoy\'s access log');
    assert.match(accessLog, /^200 - policy=shop\/products-get$/m);
    const text = await (await fetch(`http://127.0.30.1:${brain.ports.metrics}/metrics`)).text();
    for (const m of ['istio_request_duration_milliseconds_bucket{', 'istio_request_bytes_bucket{', 'istio_response_bytes_bucket{']) assert.ok(text.includes(m), m);
  });

  test('brain down: fail closed with 403 and response flag UAEX', async () => {
    const r = await call(DOWN_HOST, FRONTEND, 'GET', '/products');
    assert.equal(r.status, 403);
    assert.match(await logMatching(join(logDir, 'down.log'), /^403 UAEX /m), /^403 UAEX /m);
  });
});
