/**
 * protobufjs roots for encoding/decoding messages, without gRPC (see load.ts for the gRPC service loader the control
 * plane uses). The ztunnel uses neither: it decodes with generated descriptors and wire-codec.ts.
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
