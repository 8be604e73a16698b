/** google.protobuf.Struct as @grpc/proto-loader represents it (keepCase, oneofs) ⇄ plain JSON. */

export interface StructMessage {
  readonly fields?: Record<string, ValueMessage>;
}
export interface ValueMessage {
  readonly kind?: string;
  readonly null_value?: unknown;
  readonly number_value?: number;
  readonly string_value?: string;
  readonly bool_value?: boolean;
  readonly struct_value?: StructMessage;
  readonly list_value?: { readonly values?: ValueMessage[] };
}

function valueToJson(v: ValueMessage): unknown {
  switch (v.kind) {
    case 'number_value':
      return v.number_value;
    case 'string_value':
      return v.string_value;
    case 'bool_value':
      return v.bool_value;
    case 'struct_value':
      return structToJson(v.struct_value);
    case 'list_value':
      return (v.list_value?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

export function structToJson(s: StructMessage | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

function jsonToValue(v: unknown): ValueMessage {
  if (v === null || v === undefined) return { null_value: 'NULL_VALUE' };
  if (typeof v === 'number') return { number_value: v };
  if (typeof v === 'string') return { string_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  if (Array.isArray(v)) return { list_value: { values: v.map(jsonToValue) } };
  return { struct_value: jsonToStruct(v as Record<string, unknown>) };
}

export function jsonToStruct(obj: Readonly<Record<string, unknown>>): StructMessage {
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, jsonToValue(v)])) };
}
