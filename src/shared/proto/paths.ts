import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Root of this package (the folder holding package.json), from src/ or dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      require.resolve(join(dir, 'package.json'));
      return dir;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('ambit: cannot locate package root from ' + fileURLToPath(import.meta.url));
}

/** Folder with our own .proto files (Istio-compatible packages). */
export const AMBIT_PROTO_DIR = join(packageRoot(), 'proto');

/**
 * Envoy's API protos and their dependencies, as shipped inside @grpc/grpc-js-xds.
 * Never hand-write Envoy messages: load them from here.
 */
const XDS_DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

export const PROTO_INCLUDE_DIRS: readonly string[] = [
  AMBIT_PROTO_DIR,
  join(XDS_DEPS, 'envoy-api'),
  join(XDS_DEPS, 'xds'),
  join(XDS_DEPS, 'googleapis'),
  join(XDS_DEPS, 'protoc-gen-validate'),
  join(dirname(require.resolve('protobufjs/package.json'))),
];
