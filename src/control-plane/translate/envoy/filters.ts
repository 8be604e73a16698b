/**
 * HTTP filters and access logs of the waypoint's per-service chains: peer-identity headers for the brain,
 * ext_authz (services under an L7 AuthorizationPolicy), ext_proc (sticky canary HTTPRoutes), router, and gRPC access
 * logs to the brain (`ambit_brain`).
 */
import { EXT_PROC_HEADERS_ONLY_MODE } from '../../../shared/constants.js';
import { ACCESS_LOG_NAME, CLUSTER_BRAIN, FILTER_STATE, PEER_HEADERS, typeUrl } from './names.js';

type Json = Record<string, unknown>;

const BRAIN_GRPC = { envoy_grpc: { cluster_name: CLUSTER_BRAIN } };

/**
 * First filter of every inner chain: drop client-supplied peer headers, then set them from what connect_terminate
 * learned (the HBONE peer's SPIFFE id, shared via filter state, and the restored downstream address).
 */
export function peerHeadersFilter(): Json {
  const set = (key: string, value: string): Json => ({
    append: { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
  });
  return {
    name: 'ambit.peer_headers',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.http.header_mutation.v3.HeaderMutation'),
      mutations: {
        request_mutations: [
          { remove: PEER_HEADERS.principal },
          { remove: PEER_HEADERS.address },
          set(PEER_HEADERS.principal, `%FILTER_STATE(${FILTER_STATE.peerPrincipal}:PLAIN)%`),
          set(PEER_HEADERS.address, '%DOWNSTREAM_REMOTE_ADDRESS%'),
        ],
      },
    },
  };
}

/** ext_authz to the brain: fail closed, 1s, no body, peer certificate included. */
export function extAuthzFilter(): Json {
  return {
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'),
      grpc_service: { ...BRAIN_GRPC, timeout: '1s' },
      transport_api_version: 'V3',
      failure_mode_allow: false,
      include_peer_certificate: true,
    },
  };
}

/** ext_proc to the brain: request headers only (it answers with `x-ambit-backend` and clears the route cache). */
export function extProcFilter(): Json {
  return {
    name: 'envoy.filters.http.ext_proc',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor'),
      grpc_service: { ...BRAIN_GRPC, timeout: '1s' },
      failure_mode_allow: false,
      processing_mode: { ...EXT_PROC_HEADERS_ONLY_MODE },
    },
  };
}

export function routerFilter(): Json {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': typeUrl('envoy.extensions.filters.http.router.v3.Router') } };
}

export function httpAccessLog(): Json {
  return {
    name: 'envoy.access_loggers.http_grpc',
    typed_config: {
      '@type': typeUrl('envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig'),
      common_config: { log_name: ACCESS_LOG_NAME, grpc_service: BRAIN_GRPC, transport_api_version: 'V3' },
    },
  };
}

export function tcpAccessLog(): Json {
  return {
    name: 'envoy.access_loggers.tcp_grpc',
    typed_config: {
      '@type': typeUrl('envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig'),
      common_config: { log_name: ACCESS_LOG_NAME, grpc_service: BRAIN_GRPC, transport_api_version: 'V3' },
    },
  };
}
