import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROTO_INCLUDE_DIRS } from './paths.js';

/**
 * Options shared by every proto load in Ambit. Field names stay snake_case (as in Envoy's YAML and Istio's protos),
 * enums are strings, 64-bit ints are JS numbers, oneofs report which member is set.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [...PROTO_INCLUDE_DIRS],
};

/** Loads .proto files (paths relative to the include dirs) for gRPC use. */
export function loadGrpcPackage(files: readonly string[]): grpc.GrpcObject {
  const def = protoLoader.loadSync([...files], PROTO_LOADER_OPTIONS);
  return grpc.loadPackageDefinition(def);
}

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
