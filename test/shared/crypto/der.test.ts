import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oid, oidText, readChildren, readElement, sequence, setOf, smallInteger, tlv } from '../../../src/shared/crypto/der.js';

test('der: short, one-byte and two-byte lengths round-trip', () => {
  for (const n of [0, 5, 127, 128, 255, 256, 70_000]) {
    const el = readElement(tlv(0x04, Buffer.alloc(n, 7)));
    assert.equal(el.tag, 0x04);
    assert.equal(el.content.length, n);
  }
  assert.deepEqual([...tlv(0x04, Buffer.alloc(200)).subarray(0, 3)], [0x04, 0x81, 200]);
  assert.deepEqual([...tlv(0x04, Buffer.alloc(300)).subarray(0, 4)], [0x04, 0x82, 0x01, 0x2c]);
});

test('der: OIDs encode as X.690 and read back', () => {
  assert.equal(oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
  for (const text of ['2.5.29.17', '1.2.840.113549.1.9.14', '2.999.3']) assert.equal(oidText(readElement(oid(text)).content), text);
  assert.throws(() => oid('1'), /not a dotted OID/);
});

test('der: integers are minimal and positive; SET OF is sorted; truncation is an error', () => {
  assert.equal(smallInteger(0).toString('hex'), '020100');
  assert.equal(smallInteger(128).toString('hex'), '02020080');
  assert.equal(setOf(Buffer.from([2, 1, 9]), Buffer.from([2, 1, 1])).toString('hex'), '3106020101020109');
  const seq = sequence(smallInteger(1), smallInteger(2));
  assert.equal(readChildren(readElement(seq).content).length, 2);
  assert.throws(() => readElement(seq.subarray(0, seq.length - 1)), /runs past the end/);
  assert.throws(() => readElement(Buffer.from([0x30])), /truncated header/);
});
