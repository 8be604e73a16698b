/**
 * Protobuf descriptors in protobufjs's JSON form (`Root.toJSON()`), compiled into lookup tables for wire-codec.ts.
 * The ztunnel decodes WDS and speaks ADS/CA with these instead of loading protobufjs (~2 MB per process).
 */

export interface FieldJson {
  readonly type: string;
  readonly id: number;
  readonly rule?: string;
  readonly keyType?: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface DescriptorJson {
  readonly nested?: Readonly<Record<string, DescriptorJson>>;
  readonly fields?: Readonly<Record<string, FieldJson>>;
  readonly oneofs?: Readonly<Record<string, { readonly oneof: readonly string[] }>>;
  readonly values?: Readonly<Record<string, number>>;
  readonly [other: string]: unknown;
}

export type ScalarType = 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32' | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'bool' | 'string' | 'bytes';

const SCALARS = new Set<string>(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes']);

export interface CompiledEnum {
  readonly kind: 'enum';
  readonly nameByNumber: ReadonlyMap<number, string>;
  readonly numberByName: ReadonlyMap<string, number>;
  /** The first declared value: the default (protobufjs `typeDefault`). */
  readonly first: number;
}

export interface CompiledField {
  readonly name: string;
  readonly id: number;
  readonly repeated: boolean;
  /** Map key scalar type, for `map<K, V>` fields (then `type` is V). */
  readonly mapKey?: ScalarType;
  /** Scalar type name, or the resolved enum/message. */
  readonly type: ScalarType | CompiledEnum | CompiledMessage;
  /** The oneof (real or proto3-optional synthetic) this field belongs to. */
  readonly oneof?: string;
}

export interface CompiledMessage {
  readonly kind: 'message';
  readonly fullName: string;
  /** In declaration order (decoded objects list fields in this order). */
  readonly fields: CompiledField[];
  readonly byId: Map<number, CompiledField>;
}

export interface Schema {
  message(fullName: string): CompiledMessage;
}

interface Pending {
  readonly scope: string;
  readonly json: DescriptorJson;
  readonly message: CompiledMessage;
}

/** Compiles one or more descriptor trees (merged by full name). Throws naming any unresolvable type. */
export function compileSchema(...roots: DescriptorJson[]): Schema {
  const types = new Map<string, CompiledEnum | CompiledMessage>();
  const pending: Pending[] = [];
  const collect = (json: DescriptorJson, prefix: string): void => {
    for (const [name, child] of Object.entries(json.nested ?? {})) {
      const full = prefix ? `${prefix}.${name}` : name;
      if (child.values) types.set(full, compileEnum(child.values));
      else if (child.fields) {
        const message: CompiledMessage = { kind: 'message', fullName: full, fields: [], byId: new Map() };
        types.set(full, message);
        pending.push({ scope: full, json: child, message });
      }
      collect(child, full);
    }
  };
  for (const root of roots) collect(root, '');
  for (const p of pending) fillFields(p, types);
  return {
    message(fullName) {
      const t = types.get(fullName);
      if (t?.kind !== 'message') throw new Error(`proto schema: no message ${fullName}`);
      return t;
    },
  };
}

function compileEnum(values: Readonly<Record<string, number>>): CompiledEnum {
  const nameByNumber = new Map<number, string>();
  const numberByName = new Map<string, number>();
  for (const [name, n] of Object.entries(values)) {
    nameByNumber.set(n, name); // protobufjs valuesById: the last alias of a number wins
    numberByName.set(name, n);
  }
  return { kind: 'enum', nameByNumber, numberByName, first: Object.values(values)[0] ?? 0 };
}

function fillFields(p: Pending, types: ReadonlyMap<string, CompiledEnum | CompiledMessage>): void {
  const oneofOf = new Map<string, string>();
  for (const [oneof, { oneof: members }] of Object.entries(p.json.oneofs ?? {})) for (const m of members) oneofOf.set(m, oneof);
  for (const [name, f] of Object.entries(p.json.fields ?? {})) {
    const type = SCALARS.has(f.type) ? (f.type as ScalarType) : resolveType(f.type, p.scope, types);
    if (!type) throw new Error(`proto schema: ${p.scope}.${name}: unknown type ${f.type}`);
    const oneof = oneofOf.get(name);
    const field: CompiledField = {
      name,
      id: f.id,
      repeated: f.rule === 'repeated',
      type,
      ...(f.keyType ? { mapKey: f.keyType as ScalarType } : {}),
      ...(oneof ? { oneof } : {}),
    };
    p.message.fields.push(field);
    p.message.byId.set(f.id, field);
  }
}

/** protobufjs lookup: absolute with a leading dot, else from the innermost enclosing scope outwards. */
function resolveType(name: string, scope: string, types: ReadonlyMap<string, CompiledEnum | CompiledMessage>): CompiledEnum | CompiledMessage | undefined {
  if (name.startsWith('.')) return types.get(name.slice(1));
  for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
    const hit = types.get(s ? `${s}.${name}` : name);
    if (hit || !s) return hit;
  }
}
