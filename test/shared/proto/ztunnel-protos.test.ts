/**
 * The ztunnel's protobufjs-free codec against protobufjs itself: the generated descriptors are exactly what
 * protobufjs parses from the real protos, and random messages of every type decode to the same objects and encode
 * to the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { loadProtoRoot } from '../../../src/shared/proto/root.js';
import { ZTUNNEL_PROTOS } from '../../../src/shared/proto/generated/ztunnel-protos.js';
import { compileSchema } from '../../../src/shared/proto/wire-schema.js';
import { decodeMessage, encodeMessage } from '../../../src/shared/proto/wire-codec.js';

const FILES = ['istio/workload.proto', 'istio/authorization.proto', 'istio/ca.proto'];
const WELL_KNOWN = ['Any', 'UInt32Value', 'Empty', 'Struct', 'Value', 'NullValue', 'ListValue'];

function expectedDescriptors(): unknown {
  const j = JSON.parse(JSON.stringify(loadProtoRoot(FILES).toJSON()));
  const pb = j.nested.google.nested.protobuf.nested;
  return { nested: { istio: j.nested.istio, google: { nested: { protobuf: { nested: Object.fromEntries(WELL_KNOWN.map((k) => [k, pb[k]])) } } } } };
}

test('generated descriptors are what protobufjs parses from the protos (AMBIT_WRITE_GENERATED=1 rewrites them)', () => {
  const want = expectedDescriptors();
  if (process.env.AMBIT_WRITE_GENERATED === '1') {
    const path = fileURLToPath(new URL('../../../../src/shared/proto/generated/ztunnel-protos.ts', import.meta.url));
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.indexOf('export const ZTUNNEL_PROTOS')) + `export const ZTUNNEL_PROTOS: DescriptorJson = ${JSON.stringify(want, null, 2)};\n`);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(ZTUNNEL_PROTOS)), want);
});

/** A seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomScalar(type: string, r: () => number): unknown {
  switch (type) {
    case 'string':
      return ['', 'a', 'spiffe://cluster.local/ns/x/sa/y', 'ünï'][Math.floor(r() * 4)];
    case 'bytes':
      return Buffer.from(Array.from({ length: Math.floor(r() * 17) }, () => Math.floor(r() * 256)));
    case 'bool':
      return r() < 0.5;
    case 'double':
      return [0, 1.5, -2, 1e300][Math.floor(r() * 4)];
    case 'int32':
      return [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)][Math.floor(r() * 5)];
    case 'int64':
      return [0, 86400, -5, 2 ** 40][Math.floor(r() * 4)];
    default:
      return [0, 1, 127, 128, 15008, 2 ** 32 - 1][Math.floor(r() * 6)];
  }
}

function randomMessage(type: protobuf.Type, r: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const chosenOneof = new Map(type.oneofsArray.map((o) => [o.name, o.fieldsArray[Math.floor(r() * (o.fieldsArray.length + 1))]?.name]));
  for (const f of type.fieldsArray) {
    f.resolve();
    if (f.partOf ? chosenOneof.get(f.partOf.name) !== f.name : r() < 0.4) continue;
    const one = (): unknown =>
      f.resolvedType instanceof protobuf.Type
        ? depth > 3
          ? {}
          : randomMessage(f.resolvedType, r, depth + 1)
        : f.resolvedType instanceof protobuf.Enum
          ? Object.keys(f.resolvedType.values)[Math.floor(r() * Object.keys(f.resolvedType.values).length)]
          : randomScalar(f.type, r);
    if (f.map) out[f.name] = Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, (_, i) => [`k${i}`, one()]));
    else if (f.repeated) out[f.name] = Array.from({ length: Math.floor(r() * 4) }, one);
    else out[f.name] = one();
  }
  return out;
}

const WDS_OPTIONS = { enums: String, longs: Number, bytes: Buffer, defaults: true, arrays: true, objects: true, oneofs: true } as const;
const GRPC_OPTIONS = { enums: String, longs: Number, defaults: false, oneofs: true } as const;

test('random messages of every type decode like protobufjs toObject (WDS and gRPC options) and encode to the same bytes', () => {
  const real = loadProtoRoot(FILES);
  const schema = compileSchema(ZTUNNEL_PROTOS);
  const names: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) names.push(o.fullName.slice(1));
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o);
    }
  };
  walk(real.lookup('istio') as protobuf.Namespace);
  names.push('google.protobuf.Struct', 'google.protobuf.Value');
  assert.ok(names.includes('istio.workload.Workload') && names.includes('istio.security.Authorization'));
  const r = rng(42);
  for (const name of names) {
    const type = real.lookupType(name);
    const ours = schema.message(name);
    for (let i = 0; i < 60; i++) {
      const obj = randomMessage(type, r, 0);
      const bytes = type.encode(type.fromObject(obj)).finish();
      assert.deepEqual(Buffer.from(encodeMessage(ours, obj)), Buffer.from(bytes), `${name} #${i} encode`);
      assert.deepEqual(decodeMessage(ours, bytes, { defaults: true }), type.toObject(type.decode(bytes), WDS_OPTIONS), `${name} #${i} decode (WDS options)`);
      assert.deepEqual(decodeMessage(ours, bytes, { defaults: false }), type.toObject(type.decode(bytes), GRPC_OPTIONS), `${name} #${i} decode (gRPC options)`);
    }
  }
});

test('malformed input is an error, unknown fields are skipped', () => {
  const schema = compileSchema(ZTUNNEL_PROTOS);
  const locality = schema.message('istio.workload.Locality');
  assert.throws(() => decodeMessage(locality, Buffer.from([0x0a, 0x05, 0x61]), { defaults: false }), /bytes needed/);
  assert.throws(() => decodeMessage(locality, Buffer.from([0xff, 0x01]), { defaults: false }), /invalid wire type 7/);
  // region "r", unknown field 31 (varint), unknown field 30 (length-delimited, 2 bytes), zone "z"
  const withUnknown = Buffer.from([0x0a, 0x01, 0x72, 0xf8, 0x01, 0x05, 0xf2, 0x01, 0x02, 0x08, 0x01, 0x12, 0x01, 0x7a]);
  assert.deepEqual(decodeMessage(locality, withUnknown, { defaults: true }), { region: 'r', zone: 'z', subzone: '' });
});
