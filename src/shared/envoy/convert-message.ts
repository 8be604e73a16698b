/**
 * Walks a proto3-JSON-shaped object (snake_case keys, `@type` on Anys) against a protobufjs descriptor: rejects
 * unknown keys and wrongly typed values, checks the protoc-gen-validate rules of every field, message and oneof,
 * recurses into nested Anys by resolving their type, and returns the object in the form `Type.fromObject` encodes.
 * Every problem is collected as `path: message`.
 */
import protobuf from 'protobufjs';
import { checkDuration, checkEnum, checkNumber, checkString, fieldRules, type FieldRules } from './pgv-rules.js';
import { parseDuration, toProtoStruct, toProtoValue, wrapperKind } from './well-known.js';

export interface ConvertContext {
  readonly root: protobuf.Root;
  readonly problems: string[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const FLOAT_TYPES = new Set(['double', 'float']);

/** Converts `value` as a message of `type` at `path`; undefined when it is not usable (a problem was recorded). */
export function convertMessage(type: protobuf.Type, value: unknown, path: string, ctx: ConvertContext): unknown {
  const special = convertWellKnown(type, value, path, ctx);
  if (special.handled) return special.value;
  if (!isObject(value)) {
    ctx.problems.push(`${path}: expected an object (${type.fullName.slice(1)})`);
    return undefined;
  }
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const field = type.fields[key];
    if (!field) {
      ctx.problems.push(`${join(path, key)}: unknown field (not in ${type.fullName.slice(1)})`);
      continue;
    }
    const converted = convertField(field, v, join(path, key), ctx);
    if (converted !== undefined) out[key] = converted;
  }
  checkAbsentAndOneofs(type, value, path, ctx);
  return out;
}

/** Whether the root's google.protobuf.Value uses protobufjs' built-in camelCase field names. */
function camelStruct(root: protobuf.Root): boolean {
  return root.lookupType('google.protobuf.Value').fields['stringValue'] !== undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function convertWellKnown(type: protobuf.Type, value: unknown, path: string, ctx: ConvertContext): { handled: boolean; value?: unknown } {
  const name = type.fullName;
  if (name === '.google.protobuf.Any') return { handled: true, value: convertAny(value, path, ctx) };
  if (name === '.google.protobuf.Duration') {
    const d = parseDuration(value);
    if (typeof d === 'string') ctx.problems.push(`${path}: ${d}`);
    return { handled: true, value: typeof d === 'string' ? undefined : d };
  }
  if (name === '.google.protobuf.Struct') {
    if (!isObject(value)) ctx.problems.push(`${path}: expected a JSON object (Struct)`);
    return { handled: true, value: isObject(value) ? toProtoStruct(value, camelStruct(ctx.root)) : undefined };
  }
  if (name === '.google.protobuf.Value') return { handled: true, value: toProtoValue(value, camelStruct(ctx.root)) };
  const wk = wrapperKind(name);
  if (wk && !isObject(value)) {
    if (typeof value !== wk) ctx.problems.push(`${path}: expected a ${wk}`);
    return { handled: true, value: typeof value === wk ? { value } : undefined };
  }
  return { handled: false };
}

/** `{'@type': 'type.googleapis.com/X', ...}` → `{type_url, value}` with X validated and encoded. */
function convertAny(value: unknown, path: string, ctx: ConvertContext): unknown {
  if (!isObject(value)) {
    ctx.problems.push(`${path}: expected an object with "@type"`);
    return undefined;
  }
  const typeUrl = value['@type'];
  if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
    ctx.problems.push(`${path}: Any needs "@type": "type.googleapis.com/<message>"`);
    return undefined;
  }
  const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  let inner: protobuf.Type;
  try {
    inner = ctx.root.lookupType(typeName);
  } catch {
    ctx.problems.push(`${path}: unknown type ${typeName} (not among the loaded Envoy protos)`);
    return undefined;
  }
  const { '@type': _ignored, ...body } = value;
  const before = ctx.problems.length;
  const converted = convertMessage(inner, body, `${path}<${typeName.slice(typeName.lastIndexOf(".") + 1)}>`, ctx);
  if (ctx.problems.length > before || converted === undefined) return undefined;
  return { type_url: typeUrl, value: inner.encode(inner.fromObject(converted as Json)).finish() };
}

function convertField(field: protobuf.Field, value: unknown, path: string, ctx: ConvertContext): unknown {
  field.resolve();
  const rules = fieldRules(field.parsedOptions as unknown as Record<string, unknown>[] | null);
  if (field instanceof protobuf.MapField || field.map) return convertMap(field, value, path, ctx, rules);
  if (field.repeated) {
    if (!Array.isArray(value)) {
      ctx.problems.push(`${path}: expected a list`);
      return undefined;
    }
    checkRepeated(rules, value, path, ctx);
    const itemRules = rules?.repeated?.items as FieldRules | undefined;
    return value.map((item, i) => convertSingle(field, item, `${path}[${i}]`, ctx, itemRules ?? rules));
  }
  return convertSingle(field, value, path, ctx, rules);
}

function convertMap(field: protobuf.Field, value: unknown, path: string, ctx: ConvertContext, rules: FieldRules | undefined): unknown {
  if (!isObject(value)) {
    ctx.problems.push(`${path}: expected a map object`);
    return undefined;
  }
  const n = Object.keys(value).length;
  const mr = rules?.map;
  if (mr && typeof mr.min_pairs === 'number' && n < mr.min_pairs) ctx.problems.push(`${path}: needs at least ${mr.min_pairs} entries`);
  const valueRules = mr?.values as FieldRules | undefined;
  const keyRules = mr?.keys as FieldRules | undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = keyRules?.string ? checkString(keyRules.string, k) : undefined;
    if (keyProblem) ctx.problems.push(`${path}["${k}"]: key ${keyProblem}`);
    out[k] = convertSingle(field, v, `${path}["${k}"]`, ctx, valueRules);
  }
  return out;
}

function checkRepeated(rules: FieldRules | undefined, value: readonly unknown[], path: string, ctx: ConvertContext): void {
  const r = rules?.repeated;
  if (!r) return;
  if (r.ignore_empty === true && value.length === 0) return;
  if (typeof r.min_items === 'number' && value.length < r.min_items) ctx.problems.push(`${path}: needs at least ${r.min_items} item(s)`);
  if (typeof r.max_items === 'number' && value.length > r.max_items) ctx.problems.push(`${path}: allows at most ${r.max_items} item(s)`);
  if (r.unique === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
    ctx.problems.push(`${path}: items must be unique`);
  }
}

/** One non-repeated value (or one item of a list/map) of the field's element type. */
function convertSingle(field: protobuf.Field, value: unknown, path: string, ctx: ConvertContext, rules: FieldRules | undefined): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) return convertEnum(rt, value, path, ctx, rules);
  if (rt instanceof protobuf.Type) {
    const converted = convertMessage(rt, value, path, ctx);
    checkMessageRules(rt, rules, value, converted, path, ctx);
    return converted;
  }
  return convertScalar(field.type, value, path, ctx, rules);
}

function checkMessageRules(type: protobuf.Type, rules: FieldRules | undefined, raw: unknown, converted: unknown, path: string, ctx: ConvertContext): void {
  if (!rules) return;
  if (type.fullName === '.google.protobuf.Duration' && rules.duration && converted !== undefined) {
    const p = checkDuration(rules.duration, converted);
    if (p) ctx.problems.push(`${path}: ${p}`);
  }
  if (type.fullName === '.google.protobuf.Any' && rules.any && Array.isArray(rules.any.in) && isObject(raw)) {
    if (!rules.any.in.includes(raw['@type'])) ctx.problems.push(`${path}: type must be one of ${JSON.stringify(rules.any.in)}`);
  }
  const wk = wrapperKind(type.fullName);
  if (wk !== undefined) {
    const inner = isObject(raw) ? raw.value : raw;
    const scalarRules = Object.values(rules).find((r) => r !== rules.message);
    const p = scalarRules && (typeof inner === 'number' ? checkNumber(scalarRules, inner) : typeof inner === 'string' ? checkString(scalarRules, inner) : undefined);
    if (p) ctx.problems.push(`${path}: ${p}`);
  }
}

function convertEnum(e: protobuf.Enum, value: unknown, path: string, ctx: ConvertContext, rules: FieldRules | undefined): unknown {
  let num: number | undefined;
  if (typeof value === 'string') num = e.values[value];
  else if (typeof value === 'number' && Number.isInteger(value)) num = value;
  if (num === undefined) {
    ctx.problems.push(`${path}: ${JSON.stringify(value)} is not a value of enum ${e.fullName.slice(1)}`);
    return undefined;
  }
  const p = rules?.enum ? checkEnum(rules.enum, num, Object.values(e.values)) : undefined;
  if (p) ctx.problems.push(`${path}: ${p}`);
  return num;
}

function convertScalar(type: string, value: unknown, path: string, ctx: ConvertContext, rules: FieldRules | undefined): unknown {
  if (type === 'string') {
    if (typeof value !== 'string') return typeProblem(path, 'a string', ctx);
    const p = rules?.string ? checkString(rules.string, value) : undefined;
    if (p) ctx.problems.push(`${path}: ${p}`);
    return value;
  }
  if (type === 'bool') return typeof value === 'boolean' ? value : typeProblem(path, 'a boolean', ctx);
  if (type === 'bytes') return typeof value === 'string' || value instanceof Uint8Array ? value : typeProblem(path, 'bytes', ctx);
  const num = typeof value === 'string' && INT_TYPES.has(type) && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof num !== 'number' || Number.isNaN(num)) return typeProblem(path, `a number (${type})`, ctx);
  if (INT_TYPES.has(type) && !Number.isInteger(num)) return typeProblem(path, `an integer (${type})`, ctx);
  if (type.startsWith('u') && num < 0) return typeProblem(path, `a non-negative integer (${type})`, ctx);
  if (!INT_TYPES.has(type) && !FLOAT_TYPES.has(type)) return typeProblem(path, `a ${type}`, ctx);
  const r = rules?.[type];
  const p = r ? checkNumber(r, num) : undefined;
  if (p) ctx.problems.push(`${path}: ${p}`);
  return num;
}

function typeProblem(path: string, expected: string, ctx: ConvertContext): undefined {
  ctx.problems.push(`${path}: expected ${expected}`);
  return undefined;
}

/**
 * Rules that apply when a field is absent: required messages, oneofs with `(validate.required)`, more than one member
 * of a oneof, and scalar/list rules evaluated on proto3 defaults (an absent string is "", which fails `min_len: 1`).
 */
function checkAbsentAndOneofs(type: protobuf.Type, value: Json, path: string, ctx: ConvertContext): void {
  for (const oneof of type.oneofsArray) {
    if (oneof.name.startsWith('_')) continue; // proto3 `optional` synthetic oneof
    const set = oneof.oneof.filter((n) => value[n] !== undefined);
    if (set.length > 1) ctx.problems.push(`${path || type.name}: only one of ${set.join(', ')} may be set (oneof ${oneof.name})`);
    if (set.length === 0 && oneof.options?.['(validate.required)'] === true) {
      ctx.problems.push(`${path || type.name}: one of ${oneof.oneof.join(', ')} is required (oneof ${oneof.name})`);
    }
  }
  for (const field of type.fieldsArray) {
    if (value[field.name] !== undefined || field.partOf) continue;
    const rules = fieldRules(field.parsedOptions as unknown as Record<string, unknown>[] | null);
    if (!rules) continue;
    const p = absentProblem(field, rules);
    if (p) ctx.problems.push(`${join(path, field.name)}: ${p}`);
  }
}

function absentProblem(field: protobuf.Field, rules: FieldRules): string | undefined {
  field.resolve();
  if (rules.message?.required === true) return 'is required';
  if (rules.duration?.required === true || rules.any?.required === true) return 'is required';
  if (field.repeated || field.map) {
    const min = rules.repeated?.min_items ?? rules.map?.min_pairs;
    return typeof min === 'number' && min > 0 && rules.repeated?.ignore_empty !== true ? `needs at least ${min} item(s)` : undefined;
  }
  if (field.resolvedType instanceof protobuf.Type) return undefined;
  if (field.type === 'string' && rules.string) return checkString(rules.string, '') && `is required (${checkString(rules.string, '')})`;
  const numeric = rules[field.type];
  if (numeric && !(field.resolvedType instanceof protobuf.Enum)) {
    const p = checkNumber(numeric, 0);
    return p && `is required (${p})`;
  }
  return undefined;
}
