/**
 * The only way Ambit produces Envoy messages: `buildResource(typeName, object)` checks the object against Envoy's
 * proto descriptors and protoc-gen-validate rules (recursing into every `typed_config`) and encodes it as a
 * google.protobuf.Any. A translation error is returned as a value and never reaches Envoy.
 */
import type protobuf from 'protobufjs';
import { TYPE_URL_PREFIX } from '../constants.js';
import { convertMessage } from './convert-message.js';
import { loadEnvoyRoot } from './proto-files.js';

/** google.protobuf.Any as @grpc/proto-loader (keepCase) represents it. */
export interface EncodedAny {
  readonly type_url: string;
  readonly value: Buffer;
}

export type BuildResult =
  | { readonly ok: true; readonly any: EncodedAny }
  | { readonly ok: false; readonly problems: readonly string[] };

export interface ResourceBuilder {
  /** Validates and encodes `object` as `typeName` (e.g. `envoy.config.listener.v3.Listener`). */
  build(typeName: string, object: Readonly<Record<string, unknown>>): BuildResult;
  /** Only validates; the problems as `path: message` (empty when valid). */
  validate(typeName: string, object: Readonly<Record<string, unknown>>): readonly string[];
  /** Decodes an Any back to proto3-JSON-ish plain data (for tests and debug dumps). */
  decode(any: EncodedAny): Record<string, unknown>;
}

/** A builder over the given descriptor root (default: the Envoy protos Ambit uses). */
export function createResourceBuilder(root: protobuf.Root = loadEnvoyRoot()): ResourceBuilder {
  const lookup = (typeName: string): protobuf.Type | string => {
    try {
      return root.lookupType(typeName);
    } catch {
      return `unknown type ${typeName}`;
    }
  };
  const convert = (typeName: string, object: Readonly<Record<string, unknown>>): { type?: protobuf.Type; value?: unknown; problems: string[] } => {
    const type = lookup(typeName);
    if (typeof type === 'string') return { problems: [type] };
    const problems: string[] = [];
    const value = convertMessage(type, object, '', { root, problems });
    return { type, value, problems };
  };
  return {
    build(typeName, object) {
      const { type, value, problems } = convert(typeName, object);
      if (problems.length > 0 || !type || value === undefined) return { ok: false, problems };
      const bytes = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
      return { ok: true, any: { type_url: TYPE_URL_PREFIX + typeName, value: Buffer.from(bytes) } };
    },
    validate(typeName, object) {
      return convert(typeName, object).problems;
    },
    decode(any) {
      const type = root.lookupType(any.type_url.slice(any.type_url.lastIndexOf('/') + 1));
      return type.toObject(type.decode(any.value), { enums: String, longs: Number, json: true }) as Record<string, unknown>;
    },
  };
}

/** Convenience over a builder on the default (cached) Envoy root. */
export function buildResource(typeName: string, object: Readonly<Record<string, unknown>>): BuildResult {
  return createResourceBuilder().build(typeName, object);
}
