/** JWT verification (algorithms, claims, clock skew) and RequestAuthentication token discovery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { authenticate, parseJwks, verifyJwt } from '../../src/shared/jwt/index.js';
import type { JwtRule } from '../../src/shared/model/objects.js';

const NOW = 1_800_000_000;

function tokenFor(alg: string, key: KeyObject, claims: object, kid = 'k'): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${enc({ alg, kid })}.${enc(claims)}`;
  const opts: Record<string, { hash: string | null; extra?: object }> = {
    RS256: { hash: 'sha256' },
    PS256: { hash: 'sha256', extra: { padding: 6, saltLength: 32 } },
    ES256: { hash: 'sha256', extra: { dsaEncoding: 'ieee-p1363' } },
    EdDSA: { hash: null },
  };
  const o = opts[alg]!;
  return `${data}.${sign(o.hash, Buffer.from(data), o.extra ? { key, ...o.extra } : key).toString('base64url')}`;
}

const pairs = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: generateKeyPairSync('ed25519'),
};

for (const [alg, kp] of Object.entries(pairs)) {
  test(`${alg}: valid signature accepted, tampered rejected`, () => {
    const jwks = parseJwks(JSON.stringify({ keys: [{ ...kp.publicKey.export({ format: 'jwk' }), kid: 'k' }] }));
    assert.ok(jwks.ok);
    const t = tokenFor(alg, kp.privateKey, { iss: 'i', sub: 's', exp: NOW + 10 });
    const o = { jwks: jwks.jwks, issuer: 'i', audiences: [], nowSec: NOW };
    assert.deepEqual(verifyJwt(t, o), { ok: true, claims: { iss: 'i', sub: 's', exp: NOW + 10 } });
    const [h, p] = t.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: 'i', sub: 'root' })).toString('base64url')}.${t.split('.')[2]}`;
    assert.deepEqual(verifyJwt(forged, o), { ok: false, error: 'Jwt verification fails' });
    assert.ok(p);
  });
}

test('claims: issuer, audience, exp/nbf with 60 s skew', () => {
  const kp = pairs.RS256;
  const jwks = parseJwks(JSON.stringify({ keys: [{ ...kp.publicKey.export({ format: 'jwk' }), kid: 'k' }] }));
  assert.ok(jwks.ok);
  const v = (claims: object, aud: string[] = []) => verifyJwt(tokenFor('RS256', kp.privateKey, claims), { jwks: jwks.jwks, issuer: 'i', audiences: aud, nowSec: NOW });
  assert.equal(v({ iss: 'other' }).ok, false);
  assert.equal(v({ iss: 'i', exp: NOW - 59 }).ok, true, 'within skew');
  assert.deepEqual(v({ iss: 'i', exp: NOW - 61 }), { ok: false, error: 'Jwt is expired' });
  assert.deepEqual(v({ iss: 'i', nbf: NOW + 120 }), { ok: false, error: 'Jwt not yet valid' });
  assert.equal(v({ iss: 'i', aud: ['x', 'api'] }, ['api']).ok, true);
  assert.deepEqual(v({ iss: 'i', aud: 'x' }, ['api']), { ok: false, error: 'Audiences in Jwt are not allowed' });
  assert.equal(verifyJwt('a.b', { jwks: jwks.jwks, issuer: 'i', audiences: [], nowSec: NOW }).ok, false);
});

test('JWKS parsing rejects junk and skips encryption keys', () => {
  assert.equal(parseJwks('nope').ok, false);
  assert.equal(parseJwks('{}').ok, false);
  const enc = { ...pairs.RS256.publicKey.export({ format: 'jwk' }), use: 'enc' };
  assert.equal(parseJwks(JSON.stringify({ keys: [enc] })).ok, false);
});

test('token discovery: default Authorization/access_token, custom header with prefix, principal and presenter', () => {
  const kp = pairs.ES256;
  const jwks = parseJwks(JSON.stringify({ keys: [{ ...kp.publicKey.export({ format: 'jwk' }), kid: 'k' }] }));
  assert.ok(jwks.ok);
  const rule: JwtRule = { issuer: 'i', audiences: [], fromHeaders: [], fromParams: [], forwardOriginalToken: false, jwks: 'inline' };
  const t = tokenFor('ES256', kp.privateKey, { iss: 'i', sub: 'alice', azp: 'web', aud: ['a1'] });
  const run = (r: JwtRule, headers: Record<string, string>, path = '/') =>
    authenticate([{ owner: 'ns/ra', rule: r }], () => jwks.jwks, { headers: new Map(Object.entries(headers)), path }, NOW);
  const ok = run(rule, { authorization: `Bearer ${t}` });
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') assert.deepEqual([ok.auth.principal, ok.auth.presenter, ok.auth.audiences], ['i/alice', 'web', ['a1']]);
  assert.equal(run(rule, {}, `/x?access_token=${t}`).kind, 'ok');
  assert.equal(run(rule, {}).kind, 'none');
  const custom: JwtRule = { ...rule, fromHeaders: [{ name: 'x-jwt', prefix: 'Token ' }] };
  assert.equal(run(custom, { 'x-jwt': `Token ${t}` }).kind, 'ok');
  assert.equal(run(custom, { authorization: `Bearer ${t}` }).kind, 'none', 'custom locations replace the defaults');
  const bad = run(rule, { authorization: 'Bearer not.a.jwt' });
  assert.equal(bad.kind, 'rejected');
});
