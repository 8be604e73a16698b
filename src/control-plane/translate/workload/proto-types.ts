/**
 * protobufjs types of our Istio-compatible WDS protos (proto/istio/*.proto), loaded once per process via the cached
 * loadProtoRoot.
 */
import type protobuf from 'protobufjs';
import { loadProtoRoot } from '../../../shared/proto/load.js';

export const WDS_PROTO_FILES = ['istio/workload.proto', 'istio/authorization.proto'] as const;

export interface WdsTypes {
  readonly address: protobuf.Type;
  readonly workload: protobuf.Type;
  readonly authorization: protobuf.Type;
}

export function wdsTypes(): WdsTypes {
  const root = loadProtoRoot(WDS_PROTO_FILES);
  return {
    address: root.lookupType('istio.workload.Address'),
    workload: root.lookupType('istio.workload.Workload'),
    authorization: root.lookupType('istio.security.Authorization'),
  };
}

/** Encodes a keepCase plain object (enums by name or number, bytes as Buffer) via fromObject. */
export function encodeMessage(type: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(obj)).finish();
}

/** Encodes a plain object already in wire shape (enums as numbers, bytes as Buffer): the fast path for bulk data. */
export function encodeDirect(type: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  return type.encode(obj).finish();
}
