/**
 * A light Delta ADS client for the benchmark: requests are encoded with Envoy's descriptors, responses are only
 * scanned (type_url, nonce, version, resource count) so that a hundred clients in one process do not spend their time
 * building JS objects for a million resources, which would measure the client instead of the server.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { loadProtoRoot } from '../../src/shared/proto/load.js';

export interface ScannedResponse {
  readonly version: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: number;
  readonly removed: number;
}

function scan(buf: Buffer): ScannedResponse {
  const r = protobuf.Reader.create(buf);
  let version = '';
  let typeUrl = '';
  let nonce = '';
  let resources = 0;
  let removed = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        version = r.string();
        break;
      case 4:
        typeUrl = r.string();
        break;
      case 5:
        nonce = r.string();
        break;
      case 2:
        resources++;
        r.skipType(tag & 7);
        break;
      case 6:
        removed++;
        r.skipType(tag & 7);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { version, typeUrl, nonce, resources, removed };
}

export interface BenchClient {
  subscribe(typeUrls: readonly string[]): void;
  close(): void;
}

export function benchClient(
  address: string,
  nodeId: string,
  onResponse: (res: ScannedResponse) => void,
): BenchClient {
  const reqType = loadProtoRoot(['envoy/service/discovery/v3/discovery.proto']).lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
  const Ctor = grpc.makeGenericClientConstructor(
    {
      DeltaAggregatedResources: {
        path: '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
        requestStream: true,
        responseStream: true,
        requestSerialize: (v: Record<string, unknown>) => Buffer.from(reqType.encode(reqType.fromObject(v)).finish()),
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (v: Buffer) => v,
        responseDeserialize: scan,
      },
    },
    'AggregatedDiscoveryService',
  );
  const client = new Ctor(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 200 * 1024 * 1024, 'grpc-node.flow_control_window': 16 * 1024 * 1024, // One connection per client, as real ztunnels (grpc-js would otherwise share one).
    'grpc.use_local_subchannel_pool': 1 });
  const call = (client as any).DeltaAggregatedResources() as grpc.ClientDuplexStream<Record<string, unknown>, ScannedResponse>;
  call.on('data', (res: ScannedResponse) => {
    call.write({ type_url: res.typeUrl, response_nonce: res.nonce });
    onResponse(res);
  });
  call.on('error', () => undefined);
  return {
    subscribe(typeUrls) {
      typeUrls.forEach((t, i) => call.write({ ...(i === 0 ? { node: { id: nodeId } } : {}), type_url: t }));
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}
