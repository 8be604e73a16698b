/**
 * Istio's certificate API messages (proto/istio/ca.proto) for the gRPC client, on the generated descriptors and the
 * small wire codec, so a ztunnel loads neither @grpc/grpc-js, @grpc/proto-loader nor protobufjs. The server side keeps
 * ca-proto.ts (grpc-js service).
 */
import { ZTUNNEL_PROTOS } from '../proto/generated/ztunnel-protos.js';
import { grpcCodec } from '../proto/wire-codec.js';
import { compileSchema } from '../proto/wire-schema.js';
import type { GrpcMethod } from '../xds/grpc-h2.js';
import { CREATE_CERTIFICATE_PATH, type IstioCertificateRequest } from './ca-proto-types.js';

export { IMPERSONATED_IDENTITY_KEY, stringStruct } from './ca-proto-types.js';
export type { IstioCertificateRequest, IstioCertificateResponse, StructValue } from './ca-proto-types.js';

/** The response as decoded (no defaults: an empty chain has no `cert_chain`). */
export interface DecodedCertificateResponse {
  readonly cert_chain?: readonly string[];
}

export function createCertificateMethod(): GrpcMethod<IstioCertificateRequest, DecodedCertificateResponse> {
  const schema = compileSchema(ZTUNNEL_PROTOS);
  const req = grpcCodec<IstioCertificateRequest>(schema.message('istio.v1.auth.IstioCertificateRequest'));
  const res = grpcCodec<DecodedCertificateResponse>(schema.message('istio.v1.auth.IstioCertificateResponse'));
  return { path: CREATE_CERTIFICATE_PATH, serialize: req.serialize, deserialize: res.deserialize };
}
