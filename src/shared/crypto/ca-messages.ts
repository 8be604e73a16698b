/**
 * Istio's certificate API messages (proto/istio/ca.proto) for the gRPC client, decoded with protobufjs alone so a
 * ztunnel loads neither @grpc/grpc-js nor @grpc/proto-loader. The server side keeps ca-proto.ts (grpc-js service).
 */
import { loadProtoRoot, messageCodec } from '../proto/root.js';
import type { GrpcMethod } from '../xds/grpc-h2.js';
import { CA_PROTO_FILE, CREATE_CERTIFICATE_PATH, type IstioCertificateRequest } from './ca-proto-types.js';

export { IMPERSONATED_IDENTITY_KEY, stringStruct } from './ca-proto-types.js';
export type { IstioCertificateRequest, IstioCertificateResponse, StructValue } from './ca-proto-types.js';

/** The response as decoded (no defaults: an empty chain has no `cert_chain`). */
export interface DecodedCertificateResponse {
  readonly cert_chain?: readonly string[];
}

export function createCertificateMethod(): GrpcMethod<IstioCertificateRequest, DecodedCertificateResponse> {
  const root = loadProtoRoot([CA_PROTO_FILE]);
  const req = messageCodec<IstioCertificateRequest>(root.lookupType('istio.v1.auth.IstioCertificateRequest'));
  const res = messageCodec<DecodedCertificateResponse>(root.lookupType('istio.v1.auth.IstioCertificateResponse'));
  return { path: CREATE_CERTIFICATE_PATH, serialize: req.serialize, deserialize: res.deserialize };
}
