/** Reading SPIFFE identities off TLS peers, and the TLS options HBONE uses on both sides. */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { parseSpiffeId } from '../../shared/constants.js';
import type { WorkloadCertificate } from '../identity/cert-manager.js';
import { ALPN_H2, TLS13_CIPHER_SUITES } from './constants.js';

/** URI SANs of a peer certificate. */
export function uriSans(cert: PeerCertificate | undefined): string[] {
  const san = cert?.subjectaltname ?? '';
  return san
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

/** Identity per TLS connection: the peer certificate cannot change (TLS 1.3 has no renegotiation). */
const identities = new WeakMap<TLSSocket, string | null>();

/**
 * The peer's SPIFFE identity (first URI SAN of the Istio form); undefined when none. Read once per connection:
 * `getPeerCertificate()` builds a fresh object from the X.509 each call (~4 % of a destination ztunnel opening one
 * HBONE stream per connection).
 */
export function peerIdentity(socket: TLSSocket): string | undefined {
  let id = identities.get(socket);
  if (id === undefined) {
    id = uriSans(socket.getPeerCertificate()).find((u) => parseSpiffeId(u) !== undefined) ?? null;
    // Only a found identity is kept: before the handshake there is no certificate yet.
    if (id !== null) identities.set(socket, id);
  }
  return id ?? undefined;
}

/**
 * Checks the server identity as Istio's `verify_full_san`: some URI SAN equals an expected identity. An empty expected
 * list matches nothing: a caller that does not know whom it is talking to must not send (resolve.ts refuses first).
 */
export function verifyServerIdentity(socket: TLSSocket, expected: readonly string[]): string | undefined {
  const sans = uriSans(socket.getPeerCertificate());
  if (sans.some((s) => expected.includes(s))) return undefined;
  return `server presented [${sans.join(', ')}], expected one of [${expected.join(', ')}]`;
}

/** Key/cert/CA options for a workload certificate, TLS 1.3 only with Istio's suites, ALPN h2. */
export function tlsMaterial(cert: WorkloadCertificate, roots: readonly string[]) {
  return {
    key: cert.keyPem,
    cert: cert.chainPem.join('\n'),
    ca: [...new Set([...roots, ...cert.rootsPem])],
    minVersion: 'TLSv1.3' as const,
    maxVersion: 'TLSv1.3' as const,
    ciphers: TLS13_CIPHER_SUITES,
    ALPNProtocols: [ALPN_H2],
  };
}
