/** Istio's certificate API (`istio.v1.auth.IstioCertificateService`, proto/istio/ca.proto) for grpc-js (the CA server). */
import type * as grpc from '@grpc/grpc-js';
import { loadGrpcPackage } from '../proto/load.js';
import { CA_PROTO_FILE } from './ca-proto-types.js';

export { CA_PROTO_FILE, CREATE_CERTIFICATE_PATH, IMPERSONATED_IDENTITY_KEY, requestMetadataString, stringStruct } from './ca-proto-types.js';
export type { IstioCertificateRequest, IstioCertificateResponse, StructValue } from './ca-proto-types.js';

export interface CaServiceDefinitions {
  readonly service: grpc.ServiceDefinition;
  readonly Client: grpc.ServiceClientConstructor;
}

/** Loads the service definition (for `server.addService`) and client constructor. */
export function loadCaService(): CaServiceDefinitions {
  const pkg = loadGrpcPackage([CA_PROTO_FILE]) as unknown as {
    istio: { v1: { auth: { IstioCertificateService: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.istio.v1.auth.IstioCertificateService;
  return { service: Client.service, Client };
}
