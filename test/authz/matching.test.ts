/** Unit tests of the engine's building blocks: Istio string matching, path normalization, CIDRs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileStringMatch } from '../../src/shared/authz/string-match.js';
import { normalizePath } from '../../src/shared/authz/path.js';
import { compileCidr } from '../../src/shared/authz/ip.js';

test('string match: exact, prefix, suffix, presence, case folding, templates', () => {
  const m = (p: string, v: string | undefined, o = {}) => compileStringMatch(p, o)(v);
  assert.equal(m('abc', 'abc'), true);
  assert.equal(m('abc', 'abcd'), false);
  assert.equal(m('ab*', 'abcd'), true);
  assert.equal(m('ab*', 'xab'), false);
  assert.equal(m('*cd', 'abcd'), true);
  assert.equal(m('*cd', 'cde'), false);
  assert.equal(m('*', 'x'), true);
  assert.equal(m('*', ''), false);
  assert.equal(m('*', undefined), false);
  assert.equal(m('Host.Example', 'host.example', { ignoreCase: true }), true);
  assert.equal(m('Host.Example', 'host.example'), false);
  assert.equal(m('/a/{*}/c', '/a/b/c', { pathTemplates: true }), true);
  assert.equal(m('/a/{*}/c', '/a//c', { pathTemplates: true }), false);
  assert.equal(m('/a/{**}', '/a/b/c/d', { pathTemplates: true }), true);
  assert.equal(m('/a.b/{*}', '/aXb/c', { pathTemplates: true }), false, 'literal dots are escaped');
});

test('path normalization per MeshConfig mode', () => {
  assert.equal(normalizePath('/a/./b/../c?x=1#f'), '/a/c');
  assert.equal(normalizePath('/a/%2e%2E/admin'), '/admin');
  assert.equal(normalizePath('/%7Euser/%41'), '/~user/A', 'unreserved characters decoded');
  assert.equal(normalizePath('/a%2fb'), '/a%2Fb', 'reserved escapes kept, upper-cased');
  assert.equal(normalizePath('/../../x'), '/x');
  assert.equal(normalizePath('/a\\..\\b'), '/b', 'backslash treated as separator');
  assert.equal(normalizePath('//a//b'), '//a//b', 'BASE keeps duplicate slashes');
  assert.equal(normalizePath('//a//b', 'MERGE_SLASHES'), '/a/b');
  assert.equal(normalizePath('/a%2F..%2Fadmin', 'DECODE_AND_MERGE_SLASHES'), '/admin');
  assert.equal(normalizePath('/a/../b?q', 'NONE'), '/a/../b');
});

test('CIDR matching for IPv4, IPv6 and mapped addresses', () => {
  assert.equal(compileCidr('10.0.0.0/8')('10.200.1.1'), true);
  assert.equal(compileCidr('10.0.0.0/8')('11.0.0.1'), false);
  assert.equal(compileCidr('10.1.2.3')('10.1.2.3'), true);
  assert.equal(compileCidr('10.1.2.3')('10.1.2.4'), false);
  assert.equal(compileCidr('0.0.0.0/0')('1.2.3.4'), true);
  assert.equal(compileCidr('10.0.0.0/8')('::ffff:10.0.0.1'), true);
  assert.equal(compileCidr('fd00::/8')('fd12:3456::1'), true);
  assert.equal(compileCidr('fd00::/8')('fe80::1'), false);
  assert.equal(compileCidr('2001:db8::1/128')('2001:db8:0:0:0:0:0:1'), true);
  assert.equal(compileCidr('10.0.0.0/8')('fd00::1'), false, 'families never match');
  assert.throws(() => compileCidr('10.0.0.0/33'), /prefix length/);
  assert.throws(() => compileCidr('nope'), /not an IP/);
});
