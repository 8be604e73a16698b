/**
 * Response encoding with per-resource byte caching. A push of ten thousand addresses to a hundred clients would
 * otherwise re-encode the same `Resource` messages a million times; instead each XdsResource is encoded once and a
 * response is the encoding of its small header fields followed by the cached `resources` (field 2) entries — protobuf
 * concatenation merges repeated fields, so the bytes equal those of encoding the whole message.
 */
import protobuf from 'protobufjs';
import { loadProtoRoot } from '../../shared/proto/load.js';
import type { XdsResource } from './generator.js';

const DISCOVERY_FILES = ['envoy/service/discovery/v3/discovery.proto'];
/** Field 2, wire type 2 (length-delimited): `resources` in both DiscoveryResponse and DeltaDiscoveryResponse. */
const RESOURCES_TAG = (2 << 3) | 2;

export interface DeltaHeader {
  readonly system_version_info: string;
  readonly type_url: string;
  readonly nonce: string;
  readonly removed_resources: readonly string[];
}

export interface SotwHeader {
  readonly version_info: string;
  readonly type_url: string;
  readonly nonce: string;
}

export interface ResponseEncoder {
  delta(header: DeltaHeader, resources: readonly XdsResource[]): Buffer;
  sotw(header: SotwHeader, resources: readonly XdsResource[]): Buffer;
}

function lengthDelimited(chunks: Buffer[], body: Uint8Array): void {
  const w = protobuf.Writer.create();
  w.uint32(RESOURCES_TAG).uint32(body.length);
  chunks.push(Buffer.from(w.finish()), Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

export function createResponseEncoder(): ResponseEncoder {
  const root = loadProtoRoot(DISCOVERY_FILES);
  const deltaType = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  const sotwType = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const resourceType = root.lookupType('envoy.service.discovery.v3.Resource');
  const anyType = root.lookupType('google.protobuf.Any');
  const resourceBytes = new WeakMap<XdsResource, Uint8Array>();
  const anyBytes = new WeakMap<XdsResource, Uint8Array>();

  const encodeResource = (r: XdsResource): Uint8Array => {
    let b = resourceBytes.get(r);
    if (!b) {
      const msg = { name: r.name, version: r.version, resource: r.resource, aliases: [...(r.aliases ?? [])] };
      b = resourceType.encode(resourceType.fromObject(msg)).finish();
      resourceBytes.set(r, b);
    }
    return b;
  };
  const encodeAny = (r: XdsResource): Uint8Array => {
    let b = anyBytes.get(r);
    if (!b) {
      b = anyType.encode(anyType.create({ type_url: r.resource.type_url, value: r.resource.value })).finish();
      anyBytes.set(r, b);
    }
    return b;
  };

  return {
    delta(header, resources) {
      const chunks = [Buffer.from(deltaType.encode(deltaType.fromObject({ ...header, removed_resources: [...header.removed_resources] })).finish())];
      for (const r of resources) lengthDelimited(chunks, encodeResource(r));
      return Buffer.concat(chunks);
    },
    sotw(header, resources) {
      const chunks = [Buffer.from(sotwType.encode(sotwType.fromObject(header)).finish())];
      for (const r of resources) lengthDelimited(chunks, encodeAny(r));
      return Buffer.concat(chunks);
    },
  };
}
