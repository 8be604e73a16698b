import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
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

export { loadProtoRoot } from './root.js';
