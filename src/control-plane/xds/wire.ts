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
  /**
   * `fullSetOf`: pass the generator output map when `resources` is exactly all of its values in iteration order (an
   * initial wildcard push); the encoded body is then shared by every client receiving the same map.
   */
  delta(header: DeltaHeader, resources: readonly XdsResource[], fullSetOf?: ReadonlyMap<string, XdsResource>): Buffer;
  sotw(header: SotwHeader, resources: readonly XdsResource[], fullSetOf?: ReadonlyMap<string, XdsResource>): Buffer;
}

/** `body` prefixed with the `resources` tag and its length: a ready-to-append repeated-field entry. */
function resourcesEntry(body: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  w.uint32(RESOURCES_TAG).uint32(body.length);
  return Buffer.concat([w.finish(), body]);
}

export function createResponseEncoder(): ResponseEncoder {
  const root = loadProtoRoot(DISCOVERY_FILES);
  const deltaType = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse');
  const sotwType = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const resourceType = root.lookupType('envoy.service.discovery.v3.Resource');
  const anyType = root.lookupType('google.protobuf.Any');
  const resourceEntries = new WeakMap<XdsResource, Buffer>();
  const anyEntries = new WeakMap<XdsResource, Buffer>();

  // Plain objects of the right shape encode directly (no enums involved), skipping fromObject.
  const encodeResource = (r: XdsResource): Buffer => {
    let b = resourceEntries.get(r);
    if (!b) {
      const msg = { name: r.name, version: r.version, resource: r.resource, aliases: r.aliases ?? [] };
      b = resourcesEntry(resourceType.encode(msg).finish());
      resourceEntries.set(r, b);
    }
    return b;
  };
  const encodeAny = (r: XdsResource): Buffer => {
    let b = anyEntries.get(r);
    if (!b) {
      b = resourcesEntry(anyType.encode({ type_url: r.resource.type_url, value: r.resource.value }).finish());
      anyEntries.set(r, b);
    }
    return b;
  };

  const fullDeltaBodies = new WeakMap<ReadonlyMap<string, XdsResource>, Buffer>();
  const fullSotwBodies = new WeakMap<ReadonlyMap<string, XdsResource>, Buffer>();
  const body = (
    resources: readonly XdsResource[],
    entry: (r: XdsResource) => Buffer,
    cache: WeakMap<ReadonlyMap<string, XdsResource>, Buffer>,
    fullSetOf: ReadonlyMap<string, XdsResource> | undefined,
  ): Buffer => {
    let b = fullSetOf ? cache.get(fullSetOf) : undefined;
    if (!b) {
      b = Buffer.concat(resources.map(entry));
      if (fullSetOf) cache.set(fullSetOf, b);
    }
    return b;
  };

  return {
    delta(header, resources, fullSetOf) {
      const head = deltaType.encode({ ...header, removed_resources: [...header.removed_resources] }).finish();
      return Buffer.concat([head, body(resources, encodeResource, fullDeltaBodies, fullSetOf)]);
    },
    sotw(header, resources, fullSetOf) {
      const head = sotwType.encode(header).finish();
      return Buffer.concat([head, body(resources, encodeAny, fullSotwBodies, fullSetOf)]);
    },
  };
}
