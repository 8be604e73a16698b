/**
 * Conversions for protobuf well-known types, so generators can write Envoy's proto3-JSON forms (durations as "1.5s",
 * wrappers as bare scalars, Struct as plain JSON) and the builder turns them into what protobufjs encodes.
 */

const WRAPPERS: Readonly<Record<string, 'number' | 'string' | 'boolean'>> = {
  '.google.protobuf.UInt32Value': 'number',
  '.google.protobuf.Int32Value': 'number',
  '.google.protobuf.UInt64Value': 'number',
  '.google.protobuf.Int64Value': 'number',
  '.google.protobuf.DoubleValue': 'number',
  '.google.protobuf.FloatValue': 'number',
  '.google.protobuf.BoolValue': 'boolean',
  '.google.protobuf.StringValue': 'string',
};

/** JS type of a wrapper's `value`, or undefined when `fullName` is not a wrapper. */
export function wrapperKind(fullName: string): 'number' | 'string' | 'boolean' | undefined {
  return WRAPPERS[fullName];
}

/** `"1.5s"` / `"0s"` / `{seconds, nanos}` → `{seconds, nanos}`; a string message on failure. */
export function parseDuration(v: unknown): { seconds: number; nanos: number } | string {
  if (typeof v === 'string') {
    const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(v);
    if (!m) return `invalid duration "${v}" (expected e.g. "1.5s")`;
    const seconds = Number(m[1]);
    const nanos = m[2] ? Number(m[2].padEnd(9, '0')) * (seconds < 0 || m[1]!.startsWith('-') ? -1 : 1) : 0;
    return { seconds, nanos };
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'seconds' && k !== 'nanos');
    if (extra.length > 0) return `unknown duration field(s) ${extra.join(', ')}`;
    return { seconds: Number(o.seconds ?? 0), nanos: Number(o.nanos ?? 0) };
  }
  return 'expected a duration';
}

/** Milliseconds → proto3-JSON duration string. */
export function msToDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const rest = ms - s * 1000;
  return rest === 0 ? `${s}s` : `${s}.${String(Math.round(rest * 1e6)).padStart(9, '0')}s`;
}

/**
 * Plain JSON value → google.protobuf.Value object form. protobufjs serves google/protobuf/struct.proto from its
 * built-in (camelCase) definitions even in a keepCase root, so the field names are taken from the loaded type.
 */
export function toProtoValue(v: unknown, camel: boolean): Record<string, unknown> {
  const k = (snake: string): string => (camel ? snake.replace(/_(.)/g, (_m, c: string) => c.toUpperCase()) : snake);
  if (v === null || v === undefined) return { [k('null_value')]: 'NULL_VALUE' };
  if (typeof v === 'number') return { [k('number_value')]: v };
  if (typeof v === 'string') return { [k('string_value')]: v };
  if (typeof v === 'boolean') return { [k('bool_value')]: v };
  if (Array.isArray(v)) return { [k('list_value')]: { values: v.map((x) => toProtoValue(x, camel)) } };
  return { [k('struct_value')]: toProtoStruct(v as Record<string, unknown>, camel) };
}

/** Plain JSON object → google.protobuf.Struct object form (see toProtoValue for `camel`). */
export function toProtoStruct(o: Record<string, unknown>, camel: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(o)) fields[key] = toProtoValue(v, camel);
  return { fields };
}
