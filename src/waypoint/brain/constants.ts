/** Wire constants of the waypoint brain (headers agreed with the waypoint Envoy config, gRPC codes, bodies). */

/** Request headers set by the waypoint Envoy from filter state (client-supplied values are stripped). */
export const PEER_PRINCIPAL_HEADER = 'x-ambit-peer-principal';
export const PEER_ADDRESS_HEADER = 'x-ambit-peer-address';
/** ext_proc answer: which backendRef of a sticky HTTPRoute split this client keeps. */
export const BACKEND_HEADER = 'x-ambit-backend';
/** Debug-mode response header: `<allow|deny> policy=<ns/name> rule=<index>`. */
export const AUTHZ_DEBUG_HEADER = 'x-ambit-authz';
/** Optional ext_authz `context_extensions` key naming the service key (`<ns>/<hostname>`) of the route. */
export const SERVICE_CONTEXT_KEY = 'service';
/** Dynamic metadata namespace Envoy stores ext_authz metadata under (visible to access logs). */
export const EXT_AUTHZ_METADATA_NS = 'envoy.filters.http.ext_authz';

/** What Istio's waypoint answers on an RBAC denial. */
export const RBAC_DENIED_BODY = 'RBAC: access denied';

/** google.rpc.Code values used in CheckResponse.status. */
export const GRPC_CODE = { ok: 0, permissionDenied: 7, unauthenticated: 16 } as const;

export const ENVOY_SERVICE_PROTOS = [
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/service/ext_proc/v3/external_processor.proto',
  'envoy/service/accesslog/v3/als.proto',
] as const;
