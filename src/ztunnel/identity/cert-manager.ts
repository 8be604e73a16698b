/**
 * Certificates for the identities of this node's workloads: fetched on first need (or in the background when a local
 * workload appears), refreshed at half life, the old one kept on failure and retried with backoff (Istio ztunnel's
 * SecretManager).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Logger } from '../../shared/telemetry/logger.js';
import { setTimerAt, type TimerAt } from '../../shared/lifecycle/timer-at.js';

/** Issues a certificate for an identity: key PEM plus chain `leaf, intermediates..., roots last`. */
export interface CertificateSource {
  fetch(identity: string): Promise<{ readonly keyPem: string; readonly chain: readonly string[] }>;
}

export interface WorkloadCertificate {
  readonly identity: string;
  readonly keyPem: string;
  /** Leaf first, then intermediates (roots excluded). */
  readonly chainPem: readonly string[];
  /** Trust roots that came with the chain (last element, possibly several PEMs). */
  readonly rootsPem: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertManagerConfig {
  /** Retry delay after a failed fetch (doubles up to 30 s). Default 500 ms. */
  readonly initialBackoffMs?: number;
}

export interface CertManager {
  /** Current certificate for the identity, fetching it if needed. */
  get(identity: string): Promise<WorkloadCertificate>;
  /** Current certificate without fetching. */
  current(identity: string): WorkloadCertificate | undefined;
  /** Makes sure these identities have certificates (background) and drops the others. */
  retain(identities: Iterable<string>): void;
  /** config_dump `certificates`: per identity, the certificate in use with its chain and trust roots. */
  snapshot(): { identity: string; state: string; notBefore?: string; notAfter?: string; chain?: readonly string[]; roots?: readonly string[] }[];
  close(): void;
}

type Entry =
  | { state: 'fetching'; promise: Promise<WorkloadCertificate>; previous?: WorkloadCertificate }
  | { state: 'ready'; cert: WorkloadCertificate; timer: TimerAt }
  | { state: 'failed'; error: Error; timer: TimerAt; previous?: WorkloadCertificate };

export function createCertManager(config: CertManagerConfig, deps: { source: CertificateSource; logger: Logger }): CertManager {
  const entries = new Map<string, Entry>();
  let closed = false;
  const log = deps.logger.child({ scope: 'identity' });

  const previousOf = (e: Entry | undefined): WorkloadCertificate | undefined =>
    e === undefined ? undefined : e.state === 'ready' ? e.cert : e.previous;

  const fetch = (identity: string, attempt: number): Promise<WorkloadCertificate> => {
    const previous = previousOf(entries.get(identity));
    const promise = deps.source.fetch(identity).then((r) => parseIssued(identity, r.keyPem, r.chain));
    entries.set(identity, { state: 'fetching', promise, ...(previous ? { previous } : {}) });
    promise.then(
      (cert) => {
        if (closed || entries.get(identity)?.state !== 'fetching') return;
        const now = Date.now();
        const timer = setTimerAt(now + refreshDelayMs(cert, now), () => void fetch(identity, 0).catch(() => undefined));
        entries.set(identity, { state: 'ready', cert, timer });
        log.info('certificate issued', { identity, notAfter: cert.notAfter.toISOString() });
      },
      (error: Error) => {
        if (closed || entries.get(identity)?.state !== 'fetching') return;
        const delay = Math.min(30_000, (config.initialBackoffMs ?? 500) * 2 ** attempt);
        const timer = setTimerAt(Date.now() + delay, () => void fetch(identity, attempt + 1).catch(() => undefined));
        entries.set(identity, { state: 'failed', error, timer, ...(previous ? { previous } : {}) });
        log.warn('certificate fetch failed; keeping the previous one if any', { identity, error, retryInMs: delay });
      },
    );
    return promise;
  };

  const usable = (c: WorkloadCertificate | undefined): c is WorkloadCertificate => c !== undefined && c.notAfter.getTime() > Date.now();

  return {
    async get(identity) {
      const e = entries.get(identity);
      if (e?.state === 'ready') return e.cert;
      if (usable(previousOf(e))) return previousOf(e)!;
      if (e?.state === 'fetching') return e.promise;
      if (e?.state === 'failed') e.timer.cancel();
      return fetch(identity, 0);
    },
    current(identity) {
      const c = previousOf(entries.get(identity));
      return usable(c) ? c : undefined;
    },
    retain(identities) {
      const keep = new Set(identities);
      for (const [id, e] of entries) {
        if (keep.has(id)) continue;
        if (e.state !== 'fetching') e.timer.cancel();
        entries.delete(id);
      }
      for (const id of keep) if (!entries.has(id) && !closed) void fetch(id, 0).catch(() => undefined);
    },
    snapshot() {
      return [...entries].map(([identity, e]) => {
        const c = previousOf(e);
        return {
          identity,
          state: e.state === 'failed' ? `failed: ${e.error.message}` : e.state,
          ...(c ? { notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), chain: c.chainPem, roots: c.rootsPem } : {}),
        };
      });
    },
    close() {
      closed = true;
      for (const e of entries.values()) if (e.state !== 'fetching') e.timer.cancel();
      entries.clear();
    },
  };
}

/**
 * Refresh at half life (not_before + lifetime/2), as Istio. CAs backdate not_before, so for short lifetimes the half
 * point can already be past: then refresh halfway through what is left, never sooner than 1 s.
 */
export function refreshDelayMs(cert: WorkloadCertificate, nowMs: number): number {
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  const halfLife = cert.notBefore.getTime() + lifetime / 2 - nowMs;
  const remainingHalf = (cert.notAfter.getTime() - nowMs) / 2;
  return Math.max(1000, halfLife > 0 ? halfLife : remainingHalf);
}

/**
 * Checks the issued leaf names the requested identity and belongs to the key, and splits chain and roots. A pair that
 * fails here counts as a failed fetch (the previous certificate stays in use); accepted, it would only fail later, in
 * every TLS handshake that tries to build a context from it.
 */
export function parseIssued(identity: string, keyPem: string, chain: readonly string[]): WorkloadCertificate {
  if (chain.length === 0) throw new Error(`certificate for ${identity}: empty chain`);
  const leaf = new X509Certificate(chain[0]!);
  const sans = (leaf.subjectAltName ?? '').split(/,\s*/);
  if (!sans.includes(`URI:${identity}`)) throw new Error(`certificate for ${identity}: leaf SAN is "${leaf.subjectAltName ?? ''}"`);
  checkKeyMatchesLeaf(identity, keyPem, leaf);
  const rootsPem = chain.length > 1 ? splitPem(chain[chain.length - 1]!) : [];
  return {
    identity,
    keyPem,
    chainPem: chain.length > 1 ? chain.slice(0, -1) : [chain[0]!],
    rootsPem,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

function checkKeyMatchesLeaf(identity: string, keyPem: string, leaf: X509Certificate): void {
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    throw new Error(`certificate for ${identity}: unreadable private key: ${(e as Error).message}`);
  }
  if (!matches) throw new Error(`certificate for ${identity}: private key does not match the leaf certificate`);
}

export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
