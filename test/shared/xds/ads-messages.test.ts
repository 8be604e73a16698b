/**
 * The hand-declared Delta ADS subset must match Envoy's protos: every declared field has the real number, type and
 * label, and messages encode/decode exactly as @grpc/proto-loader did with the full protos.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type protobuf from 'protobufjs';
import { adsSchema, deltaAdsMethod, DELTA_ADS_PATH } from '../../../src/shared/xds/ads-messages.js';
import type { CompiledField } from '../../../src/shared/proto/wire-schema.js';
import { loadGrpcPackage, loadProtoRoot } from '../../../src/shared/proto/load.js';
import { jsonToStruct, structToJson } from '../../../src/shared/xds/struct.js';

const MESSAGES = [
  'envoy.config.core.v3.Node',
  'envoy.service.discovery.v3.Resource',
  'envoy.service.discovery.v3.DeltaDiscoveryRequest',
  'envoy.service.discovery.v3.DeltaDiscoveryResponse',
  'google.rpc.Status',
];

test('every field of the ADS subset has the number, type, label and map key of the real Envoy protos', () => {
  const real = loadProtoRoot(['envoy/service/discovery/v3/discovery.proto']);
  const subset = adsSchema();
  for (const name of MESSAGES) {
    const ours = subset.message(name);
    const theirs = real.lookupType(name);
    for (const field of ours.fields) {
      const want = theirs.fields[field.name];
      assert.ok(want, `${name}.${field.name} does not exist in the real proto`);
      want.resolve();
      const real = { id: want.id, type: want.resolvedType ? want.resolvedType.fullName.slice(1) : want.type, repeated: want.repeated && !want.map, keyType: (want as unknown as { keyType?: string }).keyType };
      const mine = (f: CompiledField) => ({ id: f.id, type: typeof f.type === 'string' ? f.type : f.type.kind === 'message' ? f.type.fullName : realEnumName(want), repeated: f.repeated, keyType: f.mapKey });
      assert.deepEqual(mine(field), real, `${name}.${field.name}`);
    }
  }
});

/** Enums are compiled without names; the subset declares none, so any enum field is a mismatch. */
function realEnumName(f: protobuf.Field): string {
  return `enum ${f.type} (not declared in the subset)`;
}

const proto = () =>
  (loadGrpcPackage(['envoy/service/discovery/v3/ads.proto']) as any).envoy.service.discovery.v3.AggregatedDiscoveryService.service.DeltaAggregatedResources;

test('requests encode byte-for-byte as proto-loader encoded them', () => {
  const ref = proto();
  const ours = deltaAdsMethod<object, unknown>();
  assert.equal(ours.path, ref.path);
  assert.equal(DELTA_ADS_PATH, ref.path);
  const requests = [
    { node: { id: 'ztunnel~127.0.0.1~x', metadata: jsonToStruct({ NAME: 'ztunnel-a', N: 3 }) }, type_url: 't1', resource_names_subscribe: [], initial_resource_versions: { a: '1', b: '2' } },
    { type_url: 't2', response_nonce: 'n-1' },
    { type_url: 't2', response_nonce: 'n-2', error_detail: { code: 3, message: 'workload x: bad' } },
  ];
  for (const r of requests) assert.deepEqual(Buffer.from(ours.serialize(r)), Buffer.from(ref.requestSerialize(r)), JSON.stringify(r));
});

test('node metadata survives the wire: our client encodes it, the control plane (proto-loader) decodes it back', () => {
  const metadata = { NAME: 'ztunnel-a', N: 3, ON: true, NOTHING: null, LIST: ['a', 1], NESTED: { K: 'v' } };
  const bytes = deltaAdsMethod<object, unknown>().serialize({ node: { id: 'n', metadata: jsonToStruct(metadata) }, type_url: 't' });
  const decoded = proto().requestDeserialize(Buffer.from(bytes)) as { node: { metadata: Parameters<typeof structToJson>[0] } };
  assert.deepEqual(structToJson(decoded.node.metadata), metadata);
});

test('responses decode to the same objects as proto-loader decoded them (unknown fields skipped)', () => {
  const ref = proto();
  const ours = deltaAdsMethod<object, any>();
  const response = {
    system_version_info: 'v1',
    type_url: 'type.googleapis.com/istio.workload.Address',
    nonce: 'abc',
    removed_resources: ['gone'],
    resources: [{ name: 'a', version: '7', aliases: ['x'], resource: { type_url: 'type.googleapis.com/istio.workload.Address', value: Buffer.from([1, 2, 3]) }, ttl: { seconds: 5 } }],
    control_plane: { identifier: 'istiod' },
  };
  const bytes = ref.responseSerialize(response);
  const got = ours.deserialize(bytes);
  const want = ref.responseDeserialize(bytes);
  delete want.control_plane; // not declared in the subset: skipped on decode
  delete want.resources[0].ttl;
  assert.deepEqual(got, want);
  assert.ok(Buffer.isBuffer(got.resources[0].resource.value), 'Any.value stays a Buffer');
});
