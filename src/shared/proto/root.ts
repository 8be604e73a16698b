/**
 * protobufjs roots for encoding/decoding messages, without gRPC: the node proxy needs only these, so it does not load
 * @grpc/grpc-js or @grpc/proto-loader (see load.ts for the gRPC service loader the control plane uses).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_INCLUDE_DIRS } from './paths.js';

function resolveInclude(target: string): string {
  for (const dir of PROTO_INCLUDE_DIRS) {
    const p = join(dir, target);
    if (existsSync(p)) return p;
  }
  return target;
}

const rootCache = new Map<string, protobuf.Root>();

/**
 * A protobufjs Root with the given files and their imports, for encoding/decoding messages (e.g. the payload of a
 * google.protobuf.Any). Cached per file list; roots are immutable after load so sharing is safe.
 */
export function loadProtoRoot(files: readonly string[]): protobuf.Root {
  const key = [...files].sort().join('|');
  const hit = rootCache.get(key);
  if (hit) return hit;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolveInclude(target);
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  rootCache.set(key, root);
  return root;
}

/** Decoded-object shape shared with @grpc/proto-loader's (PROTO_LOADER_OPTIONS): enums as strings, longs as numbers. */
export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: false, oneofs: true };

/** serialize/deserialize for one message type, exactly as @grpc/proto-loader builds them. */
export function messageCodec<T>(type: protobuf.Type): { serialize(message: T): Uint8Array; deserialize(bytes: Buffer): T } {
  return {
    serialize: (message) => type.encode(type.fromObject(message as Record<string, unknown>)).finish(),
    deserialize: (bytes) => type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS) as T,
  };
}
