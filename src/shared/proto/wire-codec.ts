/**
 * Protobuf wire encoding and decoding driven by compiled descriptors (wire-schema.ts), producing and accepting the
 * same plain objects as protobufjs's `toObject`/`fromObject` with Ambit's options: keepCase names, enums as
 * strings, 64-bit integers as numbers, bytes as Buffer, oneofs naming their set member. test/shared/proto checks
 * both directions against protobufjs on the real protos.
 */
import type { CompiledEnum, CompiledField, CompiledMessage, ScalarType } from './wire-schema.js';
import { ProtoReader } from './wire-reader.js';
import { ProtoWriter } from './wire-writer.js';

export interface DecodeOptions {
  /** protobufjs `defaults` + `arrays` + `objects`: absent fields get their default, [] or {}; messages null. */
  readonly defaults: boolean;
}

/** Decodes one message; throws on malformed input (truncated, bad wire type). */
export function decodeMessage(type: CompiledMessage, bytes: Uint8Array, opts: DecodeOptions): Record<string, unknown> {
  return readMessage(type, new ProtoReader(bytes), bytes.length, opts);
}

function readMessage(type: CompiledMessage, r: ProtoReader, length: number, opts: DecodeOptions): Record<string, unknown> {
  const end = r.pos + length;
  const values = new Map<CompiledField, unknown>();
  while (r.pos < end) {
    const tag = r.uint32();
    const field = type.byId.get(tag >>> 3);
    const wire = tag & 7;
    if (!field) {
      r.skip(wire);
      continue;
    }
    if (field.mapKey) {
      const [k, v] = readMapEntry(field, r, opts);
      const map = (values.get(field) as Record<string, unknown> | undefined) ?? {};
      map[k] = v;
      values.set(field, map);
    } else if (field.repeated) {
      const list = (values.get(field) as unknown[] | undefined) ?? [];
      if (wire === 2 && isPackable(field.type)) for (const packedEnd = r.len() + r.pos; r.pos < packedEnd; ) list.push(readValue(field.type, r, opts));
      else list.push(readValue(field.type, r, opts));
      values.set(field, list);
    } else values.set(field, readValue(field.type, r, opts));
  }
  if (r.pos !== end) throw new Error(`${type.fullName}: field runs past the end of the message`);
  return toObject(type, values, opts);
}

/** protobufjs toObject's layout: defaults first (when asked), then set fields, oneofs naming their member. */
function toObject(type: CompiledMessage, values: Map<CompiledField, unknown>, opts: DecodeOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.defaults) for (const f of type.fields) if (!f.oneof) out[f.name] = defaultOf(f);
  for (const f of type.fields) {
    if (!values.has(f)) continue;
    out[f.name] = values.get(f);
    if (f.oneof) out[f.oneof] = f.name;
  }
  return out;
}

function defaultOf(f: CompiledField): unknown {
  if (f.mapKey) return {};
  if (f.repeated) return [];
  return singleDefault(f.type);
}

function singleDefault(t: CompiledField['type']): unknown {
  if (typeof t !== 'string') return t.kind === 'enum' ? enumName(t, t.first) : null;
  switch (t) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return 0;
  }
}

const enumName = (e: CompiledEnum, n: number): string | number => e.nameByNumber.get(n) ?? n;

const isPackable = (t: CompiledField['type']): boolean => (typeof t === 'string' ? t !== 'string' && t !== 'bytes' : t.kind === 'enum');

function readValue(t: CompiledField['type'], r: ProtoReader, opts: DecodeOptions): unknown {
  if (typeof t !== 'string') return t.kind === 'enum' ? enumName(t, r.int32()) : readMessage(t, r, r.len(), opts);
  return readScalar(t, r);
}

function readScalar(t: ScalarType, r: ProtoReader): unknown {
  switch (t) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'bool':
      return r.uint32() !== 0;
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'sint32':
      return r.sint32();
    case 'int64':
      return r.int64();
    case 'uint64':
      return r.uint64();
    case 'sint64':
      return r.sint64();
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.fixed32() | 0;
    case 'fixed64':
      return r.fixed64(false);
    case 'sfixed64':
      return r.fixed64(true);
    case 'double':
      return r.double();
    case 'float':
      return r.float();
  }
}

function readMapEntry(field: CompiledField, r: ProtoReader, opts: DecodeOptions): [string, unknown] {
  const end = r.len() + r.pos;
  let key: unknown = field.mapKey === 'string' ? '' : 0;
  let value: unknown = singleDefault(field.type);
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) key = readScalar(field.mapKey!, r);
    else if (tag >>> 3 === 2) value = readValue(field.type, r, opts);
    else r.skip(tag & 7);
  }
  return [String(key), value];
}

/** Encodes a plain object as protobufjs `encode(fromObject(obj))` would: fields by number, null/undefined skipped. */
export function encodeMessage(type: CompiledMessage, obj: Readonly<Record<string, unknown>>): Uint8Array {
  const w = new ProtoWriter();
  writeMessage(type, obj, w);
  return w.finish();
}

function writeMessage(type: CompiledMessage, obj: Readonly<Record<string, unknown>>, w: ProtoWriter): void {
  for (const f of [...type.fields].sort((a, b) => a.id - b.id)) {
    const v = obj[f.name];
    if (v === null || v === undefined) continue;
    if (f.mapKey) {
      if (typeof v !== 'object') throw new TypeError(`${type.fullName}.${f.name}: object expected`);
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        w.fork(f.id);
        writeValue(entryField(f, 1, f.mapKey), f.mapKey === 'string' ? k : Number(k), w, type);
        writeValue(entryField(f, 2, f.type), item, w, type, true);
        w.ldelim();
      }
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw new TypeError(`${type.fullName}.${f.name}: array expected`);
      if (isPackable(f.type) && v.length > 0) {
        w.fork(f.id);
        for (const item of v) writeBare(f.type, item, w, type, f);
        w.ldelim();
      } else for (const item of v) writeValue(f, item, w, type);
    } else writeValue(f, v, w, type);
  }
}

/** The key (1) or value (2) field of a map entry. */
const entryField = (f: CompiledField, id: 1 | 2, type: CompiledField['type']): CompiledField => ({ name: f.name, id, repeated: false, type });

function writeValue(f: CompiledField, v: unknown, w: ProtoWriter, owner: CompiledMessage, alwaysMessage = false): void {
  const t = f.type;
  if (typeof t !== 'string' && t.kind === 'message') {
    if (v === null || v === undefined) {
      if (!alwaysMessage) return;
      v = {};
    }
    if (typeof v !== 'object') throw new TypeError(`${owner.fullName}.${f.name}: object expected`);
    w.fork(f.id);
    writeMessage(t, v as Record<string, unknown>, w);
    w.ldelim();
    return;
  }
  const n = typeof t === 'string' ? undefined : enumNumber(t, v);
  if (typeof t !== 'string' && n === undefined) return; // an unknown enum name is dropped, as protobufjs fromObject does
  w.tag(f.id, wireType(typeof t === 'string' ? t : 'int32'));
  writeBare(t, v, w, owner, f);
}

function enumNumber(e: CompiledEnum, v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return e.numberByName.get(String(v));
}

function writeBare(t: CompiledField['type'], v: unknown, w: ProtoWriter, owner: CompiledMessage, f: CompiledField): void {
  if (typeof t !== 'string') {
    if (t.kind === 'enum') return w.int32(enumNumber(t, v) ?? 0);
    throw new TypeError(`${owner.fullName}.${f.name}: packed messages are not valid protobuf`);
  }
  switch (t) {
    case 'string':
      return w.string(String(v));
    case 'bytes':
      return w.bytes(typeof v === 'string' ? Buffer.from(v, 'base64') : (v as Uint8Array));
    case 'bool':
      return w.uint32(v ? 1 : 0);
    case 'int32':
      return w.int32(Number(v) | 0);
    case 'uint32':
      return w.uint32(Number(v) >>> 0);
    case 'sint32':
      return w.uint32((((Number(v) | 0) << 1) ^ ((Number(v) | 0) >> 31)) >>> 0);
    case 'int64':
    case 'uint64':
      return w.varint64(BigInt.asUintN(64, BigInt(Math.trunc(Number(v)))));
    case 'sint64': {
      const b = BigInt(Math.trunc(Number(v)));
      return w.varint64(BigInt.asUintN(64, (b << 1n) ^ (b >> 63n)));
    }
    case 'fixed32':
    case 'sfixed32':
      return w.fixed32(Number(v));
    case 'fixed64':
    case 'sfixed64':
      return w.fixed64(BigInt.asUintN(64, BigInt(Math.trunc(Number(v)))));
    case 'double':
      return w.double(Number(v));
    case 'float':
      return w.float(Number(v));
  }
}

function wireType(t: ScalarType): number {
  switch (t) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return 1;
    case 'string':
    case 'bytes':
      return 2;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return 5;
    default:
      return 0;
  }
}

/** serialize/deserialize for one message type, with the object shapes @grpc/proto-loader used (no defaults). */
export function grpcCodec<T>(type: CompiledMessage): { serialize(message: T): Uint8Array; deserialize(bytes: Buffer): T } {
  return {
    serialize: (message) => encodeMessage(type, message as Readonly<Record<string, unknown>>),
    deserialize: (bytes) => decodeMessage(type, bytes, { defaults: false }) as T,
  };
}
