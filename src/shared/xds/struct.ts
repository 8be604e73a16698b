/**
 * google.protobuf.Struct ⇄ plain JSON. protobufjs (and so @grpc/proto-loader, even with keepCase) describes the
 * well-known types with camelCase members (`stringValue`, oneof `kind: 'stringValue'`), so that is what we build;
 * decoding also accepts the snake_case spelling of a loader that parsed struct.proto itself.
 */

export interface StructMessage {
  readonly fields?: Record<string, ValueMessage>;
}
export interface ValueMessage {
  readonly kind?: string;
  readonly nullValue?: unknown;
  readonly numberValue?: number;
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly structValue?: StructMessage;
  readonly listValue?: { readonly values?: ValueMessage[] };
  readonly null_value?: unknown;
  readonly number_value?: number;
  readonly string_value?: string;
  readonly bool_value?: boolean;
  readonly struct_value?: StructMessage;
  readonly list_value?: { readonly values?: ValueMessage[] };
}

function valueToJson(v: ValueMessage): unknown {
  const number = v.numberValue ?? v.number_value;
  const string = v.stringValue ?? v.string_value;
  const bool = v.boolValue ?? v.bool_value;
  const struct = v.structValue ?? v.struct_value;
  const list = v.listValue ?? v.list_value;
  switch (v.kind) {
    case 'numberValue':
    case 'number_value':
      return number;
    case 'stringValue':
    case 'string_value':
      return string;
    case 'boolValue':
    case 'bool_value':
      return bool;
    case 'structValue':
    case 'struct_value':
      return structToJson(struct);
    case 'listValue':
    case 'list_value':
      return (list?.values ?? []).map(valueToJson);
    case undefined:
      // Decoded without oneof virtual fields: the member that is set decides.
      if (number !== undefined) return number;
      if (string !== undefined) return string;
      if (bool !== undefined) return bool;
      if (struct) return structToJson(struct);
      if (list) return (list.values ?? []).map(valueToJson);
      return null;
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
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v as Record<string, unknown>) };
}

export function jsonToStruct(obj: Readonly<Record<string, unknown>>): StructMessage {
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, jsonToValue(v)])) };
}
