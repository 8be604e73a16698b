/**
 * TLS for the control plane's :15012 gRPC server, issued by the mesh CA so clients trust it with the mesh roots
 * (Istio's istiod serves a DNS cert `istiod.istio-system.svc` from its own CA the same way). The certificate is
 * renewed at half its lifetime and swapped into the running server through a grpc-js certificate provider, so
 * existing connections keep their session and new ones see the new certificate.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { parseCertificate } from '../../shared/crypto/certificate.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { setTimerAt, type TimerAt } from '../../shared/lifecycle/timer-at.js';

type CertificateProvider = grpc.experimental.CertificateProvider;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;
type CaListener = grpc.experimental.CaCertificateUpdateListener;

/**
 * DNS names in every serving certificate. `istiod.istio-system.svc` is the default `CA_ADDRESS`/`XDS_ADDRESS` host
 * of Istio's ztunnel, so an unmodified Istio client can verify us.
 */
export const SERVING_DNS_NAMES: readonly string[] = ['istiod', 'istiod.istio-system.svc', 'ambit-controlplane', 'localhost'];

export interface ServingTls {
  /** PEM private key. */
  readonly key: string;
  /** PEM leaf + intermediates. */
  readonly cert: string;
  /** PEM trust roots (what clients verify the server with). */
  readonly ca: string;
  readonly notAfter: Date;
}

export interface ServingCertOptions {
  /** Addresses the server binds; each becomes an IP SAN (a wildcard 0.0.0.0/:: adds every local address of its family). */
  readonly bindAddresses: readonly string[];
  readonly extraDnsNames?: readonly string[];
  /** Default 24 h. */
  readonly ttlSeconds?: number;
}

/** IP SANs for one bind address: itself, or every local interface address of that family for a wildcard. */
function sanAddressesFor(bind: string): string[] {
  if (bind !== '0.0.0.0' && bind !== '::') return isIP(bind) === 0 ? [] : [bind];
  const family = bind === '::' ? 'IPv6' : 'IPv4';
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && i.family === family && !i.address.startsWith('fe80:'))
    .map((i) => i!.address);
}

/** Issues a serving certificate for the control plane. */
export async function issueServingTls(ca: CertificateAuthority, opts: ServingCertOptions): Promise<ServingTls> {
  const ips = [...new Set(opts.bindAddresses.flatMap(sanAddressesFor))];
  const dnsNames = [...new Set([...SERVING_DNS_NAMES, ...(opts.extraDnsNames ?? [])])];
  const issued = await ca.issueKeyAndCert({ dnsNames, ipAddresses: ips, ttlSeconds: opts.ttlSeconds ?? 86_400 });
  return {
    key: issued.keyPem,
    cert: issued.certChainPem.join(''),
    ca: issued.rootsPem.join(''),
    notAfter: parseCertificate(issued.certChainPem[0]!).notAfter,
  };
}

export interface RotatingServerCredentials {
  /** Pass to `server.bindAsync`. */
  readonly credentials: grpc.ServerCredentials;
  /** The TLS material currently served. */
  current(): ServingTls;
  /** Re-issues now (also done automatically at half lifetime). */
  rotate(): Promise<void>;
  /** Stops the renewal timer. */
  close(): void;
}

/**
 * Server credentials that renew themselves. Uses grpc-js's certificate-provider credentials; the same provider is
 * given as identity and CA provider because grpc-js 1.14 names the arguments in one order and uses them in the
 * other — with one object both readings work (the server then requests, but does not require, client certificates).
 */
export async function createRotatingServerCredentials(
  ca: CertificateAuthority,
  opts: ServingCertOptions & { readonly logger: Logger; readonly nowMs?: () => number },
): Promise<RotatingServerCredentials> {
  const nowMs = opts.nowMs ?? Date.now;
  let tls = await issueServingTls(ca, opts);
  const identityListeners = new Set<IdentityListener>();
  const caListeners = new Set<CaListener>();
  const identityUpdate = () => ({ certificate: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) });
  const caUpdate = () => ({ caCertificate: Buffer.from(tls.ca) });
  const publish = (): void => {
    for (const l of identityListeners) l(identityUpdate());
    for (const l of caListeners) l(caUpdate());
  };
  const provider: CertificateProvider = {
    // grpc-js registers its watcher only after adding these listeners, so the first update must come later.
    addIdentityCertificateListener: (l) => {
      identityListeners.add(l);
      queueMicrotask(() => identityListeners.has(l) && l(identityUpdate()));
    },
    removeIdentityCertificateListener: (l) => void identityListeners.delete(l),
    addCaCertificateListener: (l) => {
      caListeners.add(l);
      queueMicrotask(() => caListeners.has(l) && l(caUpdate()));
    },
    removeCaCertificateListener: (l) => void caListeners.delete(l),
  };
  let timer: TimerAt | undefined;
  let closed = false;
  const schedule = (): void => {
    if (closed) return;
    // Halfway to expiry, at least 1 s out; setTimerAt covers serving certificates that live longer than ~49 days.
    const now = nowMs();
    timer = setTimerAt(now + Math.max(1000, (tls.notAfter.getTime() - now) / 2), () => void rotate(), nowMs);
  };
  const rotate = async (): Promise<void> => {
    timer?.cancel();
    try {
      tls = await issueServingTls(ca, opts);
      publish();
      opts.logger.info('control plane serving certificate renewed', { notAfter: tls.notAfter.toISOString() });
    } catch (err) {
      opts.logger.error('serving certificate renewal failed; keeping the current one', { err });
    }
    schedule();
  };
  schedule();
  return {
    credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false),
    current: () => tls,
    rotate,
    close() {
      closed = true;
      timer?.cancel();
    },
  };
}
