/**
 * The Check table: each case is a small policy set, one real Envoy CheckRequest and the expected decision with the
 * policy (and rule) that decided. Policies default to waypoint-wide scope in namespace `shop`.
 */
import type { AuthzPolicyInput } from '../../src/shared/authz/index.js';
import type { AuthzRule } from '../../src/shared/model/objects.js';
import type { RequestSpec } from './support/check-client.js';

export const SVC = 'shop/products.shop.svc.cluster.local';
export const ISSUER = 'https://issuer.example.com';

export interface Expect {
  allow: boolean;
  policy?: string;
  rule?: number;
  /** Default 200/403 from allow. */
  status?: 401;
}
export interface Case {
  name: string;
  policies: AuthzPolicyInput[];
  req: RequestSpec;
  /** Claims for a bearer token signed by the test issuer (`bad-sig` signs with a foreign key). */
  jwt?: { claims: Record<string, unknown>; badSig?: boolean };
  expect: Expect;
  dryRun?: { policy: string; result: 'allow' | 'deny' }[];
}

type Action = AuthzPolicyInput['action'];
export function pol(name: string, action: Action, rules: AuthzRule[] | undefined, extra: Partial<AuthzPolicyInput> = {}): AuthzPolicyInput {
  return { namespace: 'shop', name, action, dryRun: false, services: [], ...(rules ? { rules } : {}), ...extra };
}
const allowWhen = (name: string, rule: AuthzRule) => [pol(name, 'ALLOW', [rule])];
const FRONTEND = 'cluster.local/ns/shop/sa/frontend';
const now = () => Math.floor(Date.now() / 1000);
const validClaims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'alice', aud: 'shop-api', exp: now() + 600, ...extra });

const A = (policy?: string, rule?: number): Expect => ({ allow: true, ...(policy ? { policy } : {}), ...(rule !== undefined ? { rule } : {}) });
const D = (policy: string, rule?: number): Expect => ({ allow: false, policy, ...(rule !== undefined ? { rule } : {}) });

const evaluation: Case[] = [
  { name: 'no policies: allow', policies: [], req: {}, expect: A() },
  { name: 'allow-nothing (spec: {}) denies', policies: [pol('allow-nothing', 'ALLOW', undefined)], req: {}, expect: D('shop/allow-nothing') },
  { name: 'rules: [{}] allows all', policies: [pol('allow-all', 'ALLOW', [{}])], req: {}, expect: A('shop/allow-all', 0) },
  {
    name: 'deny-all overrides allow-all',
    policies: [pol('allow-all', 'ALLOW', [{}]), pol('deny-all', 'DENY', [{}])],
    req: {},
    expect: D('shop/deny-all', 0),
  },
  { name: 'DENY with no rules has no effect', policies: [pol('deny-none', 'DENY', undefined)], req: {}, expect: A() },
  {
    name: 'DENY not matching, ALLOW matching',
    policies: [pol('d', 'DENY', [{ to: [{ operation: { methods: ['DELETE'] } }] }]), pol('a', 'ALLOW', [{ to: [{ operation: { methods: ['GET'] } }] }])],
    req: {},
    expect: A('shop/a', 0),
  },
  { name: 'ALLOW present but not matching denies', policies: allowWhen('a', { to: [{ operation: { methods: ['POST'] } }] }), req: {}, expect: D('shop/a') },
  {
    name: 'second ALLOW policy matches',
    policies: [pol('a1', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }]), pol('a2', 'ALLOW', [{ to: [{ operation: { methods: ['GET'] } }] }])],
    req: {},
    expect: A('shop/a2', 0),
  },
  {
    name: 'no ALLOW matches: both policies named',
    policies: [pol('a1', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }]), pol('a2', 'ALLOW', [{ to: [{ operation: { methods: ['PUT'] } }] }])],
    req: {},
    expect: D('shop/a1,shop/a2'),
  },
  { name: 'CUSTOM matching without provider denies (fail closed)', policies: [pol('ext', 'CUSTOM', [{}], { provider: 'opa' })], req: {}, expect: D('shop/ext', 0) },
  {
    name: 'CUSTOM before DENY',
    policies: [pol('ext', 'CUSTOM', [{}], { provider: 'opa' }), pol('deny-all', 'DENY', [{}])],
    req: {},
    expect: D('shop/ext', 0),
  },
  { name: 'CUSTOM not matching is skipped', policies: [pol('ext', 'CUSTOM', [{ to: [{ operation: { paths: ['/admin'] } }] }], { provider: 'opa' })], req: {}, expect: A() },
  { name: 'AUDIT alone does not enforce', policies: [pol('audit', 'AUDIT', [{}])], req: {}, expect: A() },
  {
    name: 'AUDIT does not count as ALLOW',
    policies: [pol('audit', 'AUDIT', [{}]), pol('a', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }])],
    req: {},
    expect: D('shop/a'),
  },
  {
    name: 'dry-run DENY matching is not enforced',
    policies: [pol('dry-deny', 'DENY', [{}], { dryRun: true })],
    req: {},
    expect: A(),
    dryRun: [{ policy: 'dry-deny', result: 'deny' }],
  },
  {
    name: 'dry-run ALLOW not matching is not enforced',
    policies: [pol('dry-allow', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }], { dryRun: true })],
    req: {},
    expect: A(),
    dryRun: [{ policy: 'dry-allow', result: 'deny' }],
  },
  {
    name: 'dry-run ALLOW matching next to enforced DENY',
    policies: [pol('dry-allow', 'ALLOW', [{}], { dryRun: true }), pol('deny-all', 'DENY', [{}])],
    req: {},
    expect: D('shop/deny-all', 0),
    dryRun: [{ policy: 'dry-allow', result: 'allow' }],
  },
  {
    name: 'rule index reported (second rule)',
    policies: [pol('a', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }, { to: [{ operation: { methods: ['GET'] } }] }])],
    req: {},
    expect: A('shop/a', 1),
  },
];

const source: Case[] = [
  { name: 'principals exact', policies: allowWhen('a', { from: [{ source: { principals: [FRONTEND] } }] }), req: {}, expect: A('shop/a', 0) },
  {
    name: 'principals: foreign principal denied',
    policies: allowWhen('a', { from: [{ source: { principals: [FRONTEND] } }] }),
    req: { principal: 'spiffe://cluster.local/ns/evil/sa/attacker' },
    expect: D('shop/a'),
  },
  { name: 'principals prefix', policies: allowWhen('a', { from: [{ source: { principals: ['cluster.local/ns/shop/*'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'principals suffix', policies: allowWhen('a', { from: [{ source: { principals: ['*/sa/frontend'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'principals presence, no identity', policies: allowWhen('a', { from: [{ source: { principals: ['*'] } }] }), req: { principal: '' }, expect: D('shop/a') },
  { name: 'principals presence, with identity', policies: allowWhen('a', { from: [{ source: { principals: ['*'] } }] }), req: {}, expect: A('shop/a', 0) },
  {
    name: 'notPrincipals in DENY: foreign denied',
    policies: [pol('d', 'DENY', [{ from: [{ source: { notPrincipals: [FRONTEND] } }] }])],
    req: { principal: 'spiffe://cluster.local/ns/other/sa/x' },
    expect: D('shop/d', 0),
  },
  { name: 'notPrincipals in DENY: listed principal passes', policies: [pol('d', 'DENY', [{ from: [{ source: { notPrincipals: [FRONTEND] } }] }])], req: {}, expect: A() },
  { name: 'notPrincipals presence denies identity-less', policies: [pol('d', 'DENY', [{ from: [{ source: { notPrincipals: ['*'] } }] }])], req: { principal: '' }, expect: D('shop/d', 0) },
  { name: 'namespaces exact', policies: allowWhen('a', { from: [{ source: { namespaces: ['shop'] } }] }), req: {}, expect: A('shop/a', 0) },
  {
    name: 'namespaces: other namespace denied',
    policies: allowWhen('a', { from: [{ source: { namespaces: ['shop'] } }] }),
    req: { principal: 'spiffe://cluster.local/ns/billing/sa/frontend' },
    expect: D('shop/a'),
  },
  { name: 'namespaces prefix', policies: allowWhen('a', { from: [{ source: { namespaces: ['sh*'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'notNamespaces excludes', policies: allowWhen('a', { from: [{ source: { notNamespaces: ['shop'] } }] }), req: {}, expect: D('shop/a') },
  { name: 'serviceAccounts ns/sa', policies: allowWhen('a', { from: [{ source: { serviceAccounts: ['shop/frontend'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'serviceAccounts short form uses policy namespace', policies: allowWhen('a', { from: [{ source: { serviceAccounts: ['frontend'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'notServiceAccounts', policies: allowWhen('a', { from: [{ source: { notServiceAccounts: ['shop/frontend'] } }] }), req: {}, expect: D('shop/a') },
  { name: 'ipBlocks CIDR match', policies: allowWhen('a', { from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'ipBlocks CIDR mismatch', policies: allowWhen('a', { from: [{ source: { ipBlocks: ['10.2.0.0/16'] } }] }), req: {}, expect: D('shop/a') },
  { name: 'ipBlocks single address', policies: allowWhen('a', { from: [{ source: { ipBlocks: ['10.1.0.5'] } }] }), req: {}, expect: A('shop/a', 0) },
  { name: 'notIpBlocks', policies: [pol('d', 'DENY', [{ from: [{ source: { notIpBlocks: ['10.0.0.0/8'] } }] }])], req: { srcIp: '192.168.1.9' }, expect: D('shop/d', 0) },
  { name: 'ipBlocks IPv6', policies: allowWhen('a', { from: [{ source: { ipBlocks: ['fd00:10::/32'] } }] }), req: { srcIp: 'fd00:10::5' }, expect: A('shop/a', 0) },
  {
    name: 'remoteIpBlocks from X-Forwarded-For (1 trusted hop)',
    policies: allowWhen('a', { from: [{ source: { remoteIpBlocks: ['203.0.113.0/24'] } }] }),
    req: { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } },
    expect: A('shop/a', 0),
  },
  {
    name: 'notRemoteIpBlocks',
    policies: [pol('d', 'DENY', [{ from: [{ source: { notRemoteIpBlocks: ['203.0.113.0/24'] } }] }])],
    req: { headers: { 'x-forwarded-for': '198.51.100.1' } },
    expect: D('shop/d', 0),
  },
  {
    name: 'principal from x-ambit-peer-principal header',
    policies: allowWhen('a', { from: [{ source: { principals: ['cluster.local/ns/shop/sa/cart'] } }] }),
    req: { principal: '', headers: { 'x-ambit-peer-principal': 'spiffe://cluster.local/ns/shop/sa/cart' } },
    expect: A('shop/a', 0),
  },
  {
    name: 'source.ip from x-ambit-peer-address header',
    policies: allowWhen('a', { from: [{ source: { ipBlocks: ['10.9.9.9'] } }] }),
    req: { srcIp: '', headers: { 'x-ambit-peer-address': '10.9.9.9:5555' } },
    expect: A('shop/a', 0),
  },
];

const op = (name: string, operation: NonNullable<AuthzRule['to']>[number]['operation']) => allowWhen(name, { to: [{ operation }] });
const operation: Case[] = [
  { name: 'methods: GET allowed', policies: op('a', { methods: ['GET'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'methods: DELETE denied when only GET allowed', policies: op('a', { methods: ['GET'] }), req: { method: 'DELETE' }, expect: D('shop/a') },
  { name: 'notMethods', policies: op('a', { notMethods: ['DELETE'] }), req: { method: 'DELETE' }, expect: D('shop/a') },
  { name: 'paths exact', policies: op('a', { paths: ['/api/items'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'paths exact ignores query string', policies: op('a', { paths: ['/api/items'] }), req: { path: '/api/items?page=2' }, expect: A('shop/a', 0) },
  { name: 'paths prefix', policies: op('a', { paths: ['/api/*'] }), req: { path: '/api/items/7' }, expect: A('shop/a', 0) },
  { name: 'paths suffix', policies: op('a', { paths: ['*/items'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'paths prefix is anchored at the start', policies: op('a', { paths: ['/api/*'] }), req: { path: '/v1/api/items' }, expect: D('shop/a') },
  { name: 'hosts suffix is anchored at the end', policies: op('a', { hosts: ['*.example.com'] }), req: { host: 'api.example.com.evil.io' }, expect: D('shop/a') },
  { name: 'paths mismatch', policies: op('a', { paths: ['/public/*'] }), req: {}, expect: D('shop/a') },
  {
    name: 'normalization: dot-segments cannot bypass DENY /admin*',
    policies: [pol('d', 'DENY', [{ to: [{ operation: { paths: ['/admin*'] } }] }])],
    req: { path: '/public/../admin/users' },
    expect: D('shop/d', 0),
  },
  {
    name: 'normalization: percent-encoded dots decoded',
    policies: [pol('d', 'DENY', [{ to: [{ operation: { paths: ['/admin*'] } }] }])],
    req: { path: '/public/%2e%2e/admin' },
    expect: D('shop/d', 0),
  },
  { name: 'path template {*} matches one segment', policies: op('a', { paths: ['/api/{*}/reviews'] }), req: { path: '/api/7/reviews' }, expect: A('shop/a', 0) },
  { name: 'path template {*} rejects two segments', policies: op('a', { paths: ['/api/{*}/reviews'] }), req: { path: '/api/7/8/reviews' }, expect: D('shop/a') },
  { name: 'path template {**}', policies: op('a', { paths: ['/api/{**}'] }), req: { path: '/api/a/b/c' }, expect: A('shop/a', 0) },
  { name: 'notPaths', policies: op('a', { notPaths: ['/api/*'] }), req: {}, expect: D('shop/a') },
  { name: 'hosts exact, case-insensitive, port stripped', policies: op('a', { hosts: ['Products.Shop.svc.cluster.local'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'hosts with port', policies: op('a', { hosts: ['products.shop.svc.cluster.local:8080'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'hosts suffix', policies: op('a', { hosts: ['*.example.com'] }), req: { host: 'api.example.com' }, expect: A('shop/a', 0) },
  { name: 'notHosts', policies: op('a', { notHosts: ['products*'] }), req: {}, expect: D('shop/a') },
  { name: 'ports match destination port', policies: op('a', { ports: ['8080'] }), req: {}, expect: A('shop/a', 0) },
  { name: 'ports mismatch', policies: op('a', { ports: ['9090'] }), req: {}, expect: D('shop/a') },
  { name: 'notPorts', policies: op('a', { notPorts: ['8080'] }), req: {}, expect: D('shop/a') },
  {
    name: 'fields in one operation are AND-ed',
    policies: op('a', { methods: ['GET'], paths: ['/admin'] }),
    req: {},
    expect: D('shop/a'),
  },
  {
    name: 'from and to entries are OR-ed within, AND-ed across',
    policies: allowWhen('a', {
      from: [{ source: { namespaces: ['billing'] } }, { source: { namespaces: ['shop'] } }],
      to: [{ operation: { methods: ['POST'] } }, { operation: { methods: ['GET'] } }],
    }),
    req: {},
    expect: A('shop/a', 0),
  },
];

const when = (name: string, key: string, values: string[], notValues?: string[]) =>
  allowWhen(name, { when: [{ key, ...(values.length ? { values } : {}), ...(notValues ? { notValues } : {}) }] });
const conditions: Case[] = [
  { name: 'when request.headers[] values', policies: when('a', 'request.headers[x-tenant]', ['acme']), req: { headers: { 'x-tenant': 'acme' } }, expect: A('shop/a', 0) },
  { name: 'when request.headers[] absent', policies: when('a', 'request.headers[x-tenant]', ['acme']), req: {}, expect: D('shop/a') },
  { name: 'when request.headers[] notValues', policies: when('a', 'request.headers[x-tenant]', [], ['evil*']), req: { headers: { 'x-tenant': 'evilcorp' } }, expect: D('shop/a') },
  { name: 'when source.ip', policies: when('a', 'source.ip', ['10.1.0.0/24']), req: {}, expect: A('shop/a', 0) },
  { name: 'when remote.ip', policies: when('a', 'remote.ip', ['203.0.113.7']), req: { headers: { 'x-forwarded-for': '203.0.113.7' } }, expect: A('shop/a', 0) },
  { name: 'when source.namespace', policies: when('a', 'source.namespace', ['shop']), req: {}, expect: A('shop/a', 0) },
  { name: 'when source.principal', policies: when('a', 'source.principal', [FRONTEND]), req: {}, expect: A('shop/a', 0) },
  { name: 'when source.serviceAccount', policies: when('a', 'source.serviceAccount', ['shop/frontend']), req: {}, expect: A('shop/a', 0) },
  { name: 'when destination.ip', policies: when('a', 'destination.ip', ['10.96.0.0/12']), req: {}, expect: A('shop/a', 0) },
  { name: 'when destination.port', policies: when('a', 'destination.port', ['9090']), req: {}, expect: D('shop/a') },
  { name: 'when connection.sni', policies: when('a', 'connection.sni', ['*.shop.svc.cluster.local']), req: { sni: 'products.shop.svc.cluster.local' }, expect: A('shop/a', 0) },
  {
    name: 'when request.auth.principal',
    policies: when('a', 'request.auth.principal', [`${ISSUER}/alice`]),
    req: {},
    jwt: { claims: validClaims() },
    expect: A('shop/a', 0),
  },
  { name: 'when request.auth.audiences', policies: when('a', 'request.auth.audiences', ['shop-api']), req: {}, jwt: { claims: validClaims() }, expect: A('shop/a', 0) },
  { name: 'when request.auth.presenter', policies: when('a', 'request.auth.presenter', ['web-app']), req: {}, jwt: { claims: validClaims({ azp: 'web-app' }) }, expect: A('shop/a', 0) },
  { name: 'when request.auth.claims[group]', policies: when('a', 'request.auth.claims[group]', ['admins']), req: {}, jwt: { claims: validClaims({ group: 'admins' }) }, expect: A('shop/a', 0) },
  {
    name: 'when request.auth.claims list value',
    policies: when('a', 'request.auth.claims[groups]', ['admins']),
    req: {},
    jwt: { claims: validClaims({ groups: ['dev', 'admins'] }) },
    expect: A('shop/a', 0),
  },
  {
    name: 'when request.auth.claims nested [realm][role]',
    policies: when('a', 'request.auth.claims[realm][role]', ['owner']),
    req: {},
    jwt: { claims: validClaims({ realm: { role: 'viewer' } }) },
    expect: D('shop/a'),
  },
  { name: 'when claims without token', policies: when('a', 'request.auth.claims[group]', ['admins']), req: {}, expect: D('shop/a') },
  { name: 'unsupported when key fails closed (ALLOW rule dropped)', policies: when('a', 'request.bogus', ['x']), req: {}, expect: D('shop/a') },
  {
    name: 'invalid DENY rule fails closed (denies)',
    policies: [pol('d', 'DENY', [{ from: [{ source: { ipBlocks: ['not-an-ip'] } }] }])],
    req: {},
    expect: D('shop/d', 0),
  },
];

const jwt: Case[] = [
  { name: 'requestPrincipals with valid JWT', policies: allowWhen('a', { from: [{ source: { requestPrincipals: [`${ISSUER}/alice`] } }] }), req: {}, jwt: { claims: validClaims() }, expect: A('shop/a', 0) },
  { name: 'requestPrincipals without token', policies: allowWhen('a', { from: [{ source: { requestPrincipals: ['*'] } }] }), req: {}, expect: D('shop/a') },
  { name: 'notRequestPrincipals', policies: allowWhen('a', { from: [{ source: { notRequestPrincipals: [`${ISSUER}/alice`] } }] }), req: {}, jwt: { claims: validClaims() }, expect: D('shop/a') },
  { name: 'JWT with bad signature → 401', policies: [pol('allow-all', 'ALLOW', [{}])], req: {}, jwt: { claims: validClaims(), badSig: true }, expect: { allow: false, policy: 'shop/jwt', status: 401 } },
  { name: 'expired JWT → 401', policies: [pol('allow-all', 'ALLOW', [{}])], req: {}, jwt: { claims: validClaims({ exp: now() - 3600 }) }, expect: { allow: false, policy: 'shop/jwt', status: 401 } },
  { name: 'JWT audience not allowed → 401', policies: [pol('allow-all', 'ALLOW', [{}])], req: {}, jwt: { claims: validClaims({ aud: 'other' }) }, expect: { allow: false, policy: 'shop/jwt', status: 401 } },
  { name: 'JWT from unknown issuer → 401', policies: [pol('allow-all', 'ALLOW', [{}])], req: {}, jwt: { claims: validClaims({ iss: 'https://evil' }) }, expect: { allow: false, status: 401 } },
];

const scope: Case[] = [
  {
    name: 'policy for another service does not apply',
    policies: [pol('deny-reviews', 'DENY', [{}], { services: ['shop/reviews.shop.svc.cluster.local'] })],
    req: {},
    expect: A(),
  },
  {
    name: 'service-scoped policy applies via :authority',
    policies: [pol('deny-products', 'DENY', [{}], { services: [SVC] })],
    req: { host: 'products.shop:8080' },
    expect: D('shop/deny-products', 0),
  },
  {
    name: 'service-scoped policy applies via context_extensions',
    policies: [pol('deny-products', 'DENY', [{}], { services: [SVC] })],
    req: { host: '10.96.0.10:8080', service: SVC },
    expect: D('shop/deny-products', 0),
  },
  {
    name: 'waypoint-wide and service-scoped policies combine',
    policies: [pol('allow-get', 'ALLOW', [{ to: [{ operation: { methods: ['GET'] } }] }]), pol('allow-post', 'ALLOW', [{ to: [{ operation: { methods: ['POST'] } }] }], { services: [SVC] })],
    req: { method: 'POST' },
    expect: A('shop/allow-post', 0),
  },
];

export const CASES: readonly Case[] = [...evaluation, ...source, ...operation, ...conditions, ...jwt, ...scope];
