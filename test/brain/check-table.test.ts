/**
 * ≥ 60 Check cases, each a real Envoy CheckRequest sent over gRPC to a running brain, asserting the HTTP status the
 * waypoint would answer, the deciding policy and rule (dynamic metadata and debug header) and dry-run counters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Counter } from 'prom-client';
import { createBrain, type Brain } from '../../src/waypoint/brain/index.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { authClient, checkRequest, jwtIssuer, type CheckReply } from './support/check-client.js';
import { CASES, ISSUER, type Case } from './check-cases.js';

const issuer = jwtIssuer();
let brain: Brain;
let client: ReturnType<typeof authClient>;

function dryRunCount(b: Brain, policy: string, result: string): number {
  const m = b.registry.getSingleMetric('ambit_authz_dry_run_decisions_total') as Counter | undefined;
  return (m as unknown as { hashMap: Record<string, { labels: Record<string, string>; value: number }> } | undefined)
    ? Object.values((m as unknown as { hashMap: Record<string, { labels: Record<string, string>; value: number }> }).hashMap)
        .filter((v) => v.labels.policy === policy && v.labels.result === result && v.labels.namespace === 'shop')
        .reduce((s, v) => s + v.value, 0)
    : 0;
}

function debugHeader(r: CheckReply): string | undefined {
  const hs = r.ok_response?.response_headers_to_add ?? r.denied_response?.headers ?? [];
  return hs.find((h) => h.header.key === 'x-ambit-authz')?.header.value;
}

async function run(c: Case): Promise<void> {
  brain.store.set({
    policies: c.policies,
    requestAuthentications: [
      {
        namespace: 'shop',
        name: 'jwt',
        services: [],
        jwtRules: [{ issuer: ISSUER, audiences: ['shop-api'], jwks: issuer.jwks, fromHeaders: [], fromParams: [], forwardOriginalToken: false }],
      },
    ],
    stickyRoutes: [],
    settings: { debug: true, pathNormalization: 'BASE' },
  });
  const headers = { ...(c.req.headers ?? {}) };
  if (c.jwt) headers.authorization = `Bearer ${issuer.token(c.jwt.claims, c.jwt.badSig ? issuer.otherKey : undefined)}`;
  const before = (c.dryRun ?? []).map((d) => dryRunCount(brain, d.policy, d.result));
  const reply = await client.check(checkRequest({ ...c.req, headers }));
  const e = c.expect;
  const status = e.allow ? 200 : (e.status ?? 403);
  if (status === 200) {
    assert.equal(reply.status.code, 0, 'grpc status OK');
    assert.ok(reply.ok_response, 'ok_response set');
    if (c.jwt) assert.deepEqual(reply.ok_response.headers_to_remove, ['authorization'], 'token not forwarded upstream');
  } else {
    assert.equal(reply.status.code, status === 401 ? 16 : 7);
    assert.equal(reply.denied_response?.status.code, status === 401 ? 'Unauthorized' : 'Forbidden');
    if (status === 403) assert.equal(reply.denied_response?.body, 'RBAC: access denied');
  }
  const md = reply.dynamic_metadata?.fields ?? {};
  assert.equal(md.ambit_decision?.stringValue, e.allow ? 'allow' : 'deny');
  assert.equal(md.ambit_policy?.stringValue ?? '', e.policy ?? '');
  assert.equal(debugHeader(reply), `${e.allow ? 'allow' : 'deny'} policy=${e.policy ?? '-'} rule=${e.rule ?? '-'}`);
  (c.dryRun ?? []).forEach((d, i) => assert.equal(dryRunCount(brain, d.policy, d.result), before[i]! + 1, `dry-run ${d.policy}=${d.result} counted`));
}

describe('ext_authz Check table', () => {
  before(async () => {
    brain = createBrain(
      { waypoint: 'shop/waypoint', grpcTarget: '127.0.30.1:0', httpHost: '127.0.30.1', metricsPort: 0, readinessPort: 0, xffTrustedHops: 1 },
      { logger: silentLogger },
    );
    await brain.start();
    client = authClient(`127.0.30.1:${brain.ports.grpc}`);
  });
  after(async () => {
    client.close();
    await brain.close();
  });

  test('the table has at least 60 cases with unique names', () => {
    assert.ok(CASES.length >= 60, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });

  for (const c of CASES) test(c.name, () => run(c));
});
