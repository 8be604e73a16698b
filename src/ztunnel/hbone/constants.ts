/** HBONE protocol constants, as Istio's ztunnel (istio-facts §1.6). */

/** Initial stream flow-control window: 4 MiB. */
export const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
/** Connection flow-control window: 16 MiB. */
export const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
/** Max HTTP/2 frame size: 1 MiB. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Max header list size: client 16 KiB, server 64 KiB. */
export const CLIENT_MAX_HEADER_LIST_BYTES = 16 * 1024;
export const SERVER_MAX_HEADER_LIST_BYTES = 64 * 1024;
/** Streams per pooled connection (POOL_MAX_STREAMS_PER_CONNECTION). */
export const POOL_MAX_STREAMS_PER_CONNECTION = 100;
/** What the server advertises as SETTINGS_MAX_CONCURRENT_STREAMS. */
export const SERVER_MAX_CONCURRENT_STREAMS = 200;
/** Idle pooled connections are released after 5 minutes (POOL_UNUSED_RELEASE_TIMEOUT). */
export const POOL_IDLE_TIMEOUT_MS = 5 * 60 * 1000;
/** HTTP/2 PING every 10 s; the connection is dropped without a PONG within 20 s. */
export const KEEPALIVE_INTERVAL_MS = 10_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;
/** Outbound TCP+TLS connect timeout. */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Wait for the CONNECT response. Longer than the peer's own 10 s dial to the workload, so its 503 arrives first;
 * a peer that never answers (wedged, or its workload dial hangs past its timeout) no longer holds the client's
 * connection, its stream slot and the caller's SOCKS5 handshake forever.
 */
export const CONNECT_RESPONSE_TIMEOUT_MS = 15_000;
/** Node's http2 per-session memory cap (MB); large enough for 100 streams with full windows in flight. */
export const MAX_SESSION_MEMORY_MB = 256;

export const ALPN_H2 = 'h2';
/** TLS 1.3 suites Istio's ztunnel offers and accepts, in its order (no ChaCha20). Node takes them in `ciphers`. */
export const TLS13_CIPHER_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256';

/** Headers ztunnel sends on CONNECT. */
export const HEADERS = {
  baggage: 'baggage',
  forwarded: 'forwarded',
  traceparent: 'traceparent',
} as const;

/** Response flags (istio-facts §8.3). */
export type ResponseFlag = '-' | 'DENY' | 'CONNECT' | 'TLS_FAILURE' | 'H2_HANDSHAKE_FAILURE' | 'IDENTITY_ERROR';
