/**
 * HBONE TLS contexts (istiod buildCommonConnectTLSContext): the waypoint's own SPIFFE certificate and the mesh root
 * come over SDS (`default`, `ROOTCA`), ALPN h2, TLS 1.3 only; peers are accepted by trust-domain SAN prefix.
 */
import { ADS_CONFIG_SOURCE, SECRET_DEFAULT, SECRET_ROOTCA, typeUrl } from './names.js';

type Json = Record<string, unknown>;

function commonTlsContext(trustDomain: string): Json {
  return {
    tls_params: { tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_3' },
    alpn_protocols: ['h2'],
    tls_certificate_sds_secret_configs: [{ name: SECRET_DEFAULT, sds_config: ADS_CONFIG_SOURCE }],
    combined_validation_context: {
      default_validation_context: {
        match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: `spiffe://${trustDomain}/` } }],
      },
      validation_context_sds_secret_config: { name: SECRET_ROOTCA, sds_config: ADS_CONFIG_SOURCE },
    },
  };
}

/** connect_terminate: client certificates from the mesh root are required. */
export function downstreamHboneTls(trustDomain: string): Json {
  return {
    name: 'tls',
    typed_config: {
      '@type': typeUrl('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
      require_client_certificate: true,
      common_tls_context: commonTlsContext(trustDomain),
    },
  };
}

/** connect_originate: the SNI is set per connection from filter state (local-mode `<ip>.hbone.ambit`). */
export function upstreamHboneTls(trustDomain: string): Json {
  return {
    name: 'tls',
    typed_config: {
      '@type': typeUrl('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
      common_tls_context: commonTlsContext(trustDomain),
    },
  };
}

/** Plain bytes into an internal listener, carrying the given host-metadata namespaces along (Istio's internal_upstream). */
export function internalUpstream(passthroughNamespaces: readonly string[]): Json {
  const cfg: Json = {
    '@type': typeUrl('envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport'),
    transport_socket: { name: 'raw_buffer', typed_config: { '@type': typeUrl('envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer') } },
  };
  if (passthroughNamespaces.length > 0) {
    cfg.passthrough_metadata = passthroughNamespaces.map((name) => ({ kind: { host: {} }, name }));
  }
  return { name: 'internal_upstream', typed_config: cfg };
}
