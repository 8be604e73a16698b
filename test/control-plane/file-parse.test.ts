import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigFile } from '../../src/control-plane/config/file-parse.js';

const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: 80}]}\n`;

test('multi-document file: empty documents skipped, objects keyed in order', () => {
  const r = parseConfigFile('f.yaml', `---\n${svc('a')}---\n# only a comment\n---\n${svc('b')}---\n`);
  assert.equal(r.malformed, false);
  assert.deepEqual([...r.claims.keys()], ['Service/default/a', 'Service/default/b']);
  assert.deepEqual(r.errors, []);
});

test('duplicate object inside one file: error, first document wins', () => {
  const r = parseConfigFile('f.yaml', `${svc('a')}---\n${svc('a').replace('80', '81')}`);
  assert.equal(r.claims.size, 1);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]?.message ?? '', /duplicate Service\/default\/a in document 1/);
  const a = r.claims.get('Service/default/a');
  assert.ok(a?.kind === 'Service' && a.spec.ports[0]?.port === 80);
});

test('an invalid object is claimed without a version (so its last good version can keep serving)', () => {
  const r = parseConfigFile('f.yaml', svc('a').replace('80', '"x"'));
  assert.equal(r.claims.has('Service/default/a'), true);
  assert.equal(r.claims.get('Service/default/a'), undefined);
  assert.equal(r.errors[0]?.field, 'spec.ports[0].port');
});

test('malformed YAML reports file and line and claims nothing', () => {
  const r = parseConfigFile('f.yaml', `${svc('a')}---\nkind: [unclosed\n`);
  assert.equal(r.malformed, true);
  assert.equal(r.claims.size, 0);
  assert.match(r.errors[0]?.message ?? '', /^malformed YAML at line 7, column \d+/);
});

test('an alias bomb is rejected as an error, not a crash', () => {
  const row = (name: string, ref: string) => `${name}: &${name} [${Array(10).fill(ref).join(', ')}]`;
  const text = ['a: &a [x, x, x, x, x, x, x, x, x, x]', row('b', '*a'), row('c', '*b'), row('d', '*c'), `e: [${Array(200).fill('*d').join(', ')}]`].join('\n');
  const r = parseConfigFile('bomb.yaml', text);
  assert.equal(r.claims.size, 0);
  assert.match(r.errors[0]?.message ?? '', /alias/i);
});
