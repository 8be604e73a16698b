/**
 * A minimal static Envoy bootstrap standing in for the waypoint config until the generated one lands: one mTLS
 * listener (so Envoy reports the peer's SPIFFE id as `source.principal`), ext_authz (failure_mode_allow false) and
 * ext_proc (request headers only) to the brain, gRPC access logs to the brain, a file access log with
 * response flags and the brain's decision metadata, and direct-response routes per sticky backend.
 */
import { EXT_PROC_HEADERS_ONLY_MODE } from '../../../src/shared/constants.js';
import type { TestPki } from './certs.js';

export interface BootstrapOptions {
  readonly host: string;
  readonly listenerPort: number;
  readonly adminPort: number;
  readonly brain: { host: string; port: number };
  readonly pki: TestPki;
  readonly accessLogPath: string;
  readonly stickyBackends?: readonly string[];
}

const T = 'type.googleapis.com/';
const addr = (address: string, port_value: number) => ({ socket_address: { address, port_value } });

function routes(backends: readonly string[]) {
  const direct = (body: string) => ({ status: 200, body: { inline_string: body } });
  return [
    ...backends.map((b) => ({
      name: `backend-${b}`,
      match: { prefix: '/', headers: [{ name: 'x-ambit-backend', string_match: { exact: b } }] },
      direct_response: direct(`backend=${b}`),
    })),
    { name: 'default', match: { prefix: '/' }, direct_response: direct('backend=default') },
  ];
}

export function waypointBootstrap(o: BootstrapOptions): object {
  const brainGrpc = { envoy_grpc: { cluster_name: 'brain' }, timeout: '1s' };
  const httpFilters = [
    {
      name: 'envoy.filters.http.ext_authz',
      typed_config: {
        '@type': `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
        grpc_service: brainGrpc,
        transport_api_version: 'V3',
        failure_mode_allow: false,
      },
    },
    {
      name: 'envoy.filters.http.ext_proc',
      typed_config: {
        '@type': `${T}envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor`,
        grpc_service: brainGrpc,
        failure_mode_allow: false,
        allow_mode_override: true,
        processing_mode: { ...EXT_PROC_HEADERS_ONLY_MODE },
      },
    },
    { name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } },
  ];
  const accessLogs = [
    {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
        path: o.accessLogPath,
        log_format: {
          text_format_source: {
            inline_string: '%RESPONSE_CODE% %RESPONSE_FLAGS% policy=%DYNAMIC_METADATA(envoy.filters.http.ext_authz:ambit_policy)%\n',
          },
        },
      },
    },
    {
      name: 'envoy.access_loggers.http_grpc',
      typed_config: {
        '@type': `${T}envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig`,
        common_config: { log_name: 'ambit', grpc_service: { envoy_grpc: { cluster_name: 'brain' } }, transport_api_version: 'V3', buffer_flush_interval: '0.05s' },
        additional_request_headers_to_log: ['x-ambit-peer-principal', 'x-ambit-peer-address', 'content-type'],
      },
    },
  ];
  const tls = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
      require_client_certificate: true,
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: o.pki.serverCert }, private_key: { filename: o.pki.serverKey } }],
        validation_context: { trusted_ca: { filename: o.pki.caCert } },
      },
    },
  };
  return {
    admin: { address: addr(o.host, o.adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'waypoint',
          address: addr(o.host, o.listenerPort),
          filter_chains: [
            {
              transport_socket: tls,
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
                    stat_prefix: 'waypoint',
                    normalize_path: true,
                    access_log: accessLogs,
                    http_filters: httpFilters,
                    route_config: { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: routes(o.stickyBackends ?? []) }] },
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'brain',
          type: 'STATIC',
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: { cluster_name: 'brain', endpoints: [{ lb_endpoints: [{ endpoint: { address: addr(o.brain.host, o.brain.port) } }] }] },
        },
      ],
    },
  };
}
