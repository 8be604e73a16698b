/**
 * The Delta ADS messages a client exchanges (envoy/service/discovery/v3/discovery.proto), as a field subset: parsing
 * Envoy's real protos pulls in ~150 files (core/v3/base.proto and everything it imports) and keeps their descriptors
 * in every ztunnel (~1-3 MB). Only fields a client sets or reads are declared; a decoder skips the others, and an
 * encoder never writes them. test/shared/xds/ads-messages.test.ts checks every declared field's number, type and
 * label against the real protos and the bytes against @grpc/proto-loader's.
 */
import { ZTUNNEL_PROTOS } from '../proto/generated/ztunnel-protos.js';
import { grpcCodec } from '../proto/wire-codec.js';
import { compileSchema, type DescriptorJson, type FieldJson, type Schema } from '../proto/wire-schema.js';
import type { GrpcMethod } from './grpc-h2.js';

const string = (id: number): FieldJson => ({ type: 'string', id });
const repeated = (type: string, id: number): FieldJson => ({ rule: 'repeated', type, id });

/** `package` path → messages, in protobufjs JSON descriptor form. */
export const ADS_SUBSET: DescriptorJson = {
  nested: {
    envoy: { nested: { config: { nested: { core: { nested: { v3: { nested: {
      Node: { fields: { id: string(1), cluster: string(2), metadata: { type: 'google.protobuf.Struct', id: 3 } } },
    } } } } } }, service: { nested: { discovery: { nested: { v3: { nested: {
      Resource: { fields: { version: string(1), resource: { type: 'google.protobuf.Any', id: 2 }, name: string(3), aliases: repeated('string', 4) } },
      DeltaDiscoveryRequest: {
        fields: {
          node: { type: 'envoy.config.core.v3.Node', id: 1 },
          type_url: string(2),
          resource_names_subscribe: repeated('string', 3),
          resource_names_unsubscribe: repeated('string', 4),
          initial_resource_versions: { keyType: 'string', type: 'string', id: 5 },
          response_nonce: string(6),
          error_detail: { type: 'google.rpc.Status', id: 7 },
        },
      },
      DeltaDiscoveryResponse: {
        fields: {
          system_version_info: string(1),
          resources: repeated('envoy.service.discovery.v3.Resource', 2),
          type_url: string(4),
          nonce: string(5),
          removed_resources: repeated('string', 6),
        },
      },
    } } } } } } } },
    google: { nested: { rpc: { nested: {
      Status: { fields: { code: { type: 'int32', id: 1 }, message: string(2), details: repeated('google.protobuf.Any', 3) } },
    } } } },
  },
};

/** Path of the Delta ADS method (Envoy's AggregatedDiscoveryService). */
export const DELTA_ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

let schema: Schema | undefined;

/** The subset plus the well-known Any and Struct (protobufjs's camelCase Value members, as proto-loader had them). */
export function adsSchema(): Schema {
  return (schema ??= compileSchema(ZTUNNEL_PROTOS, ADS_SUBSET));
}

/** The DeltaAggregatedResources method with proto-loader-compatible objects (keepCase, enums as strings). */
export function deltaAdsMethod<Req, Res>(): GrpcMethod<Req, Res> {
  const s = adsSchema();
  const req = grpcCodec<Req>(s.message('envoy.service.discovery.v3.DeltaDiscoveryRequest'));
  const res = grpcCodec<Res>(s.message('envoy.service.discovery.v3.DeltaDiscoveryResponse'));
  return { path: DELTA_ADS_PATH, serialize: req.serialize, deserialize: res.deserialize };
}
