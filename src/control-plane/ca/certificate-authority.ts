/**
 * The mesh certificate authority: signs workload CSRs for identities the caller has been authorised for (the
 * authorisation itself lives in ca-service.ts) and issues key+cert pairs for the control plane's own servers.
 */
import { generateKeyPair, importSigningKeyOrThrow } from '../../shared/crypto/keys.js';
import { verifyCsr } from '../../shared/crypto/csr.js';
import { CaError } from './ca-error.js';
import { signLeaf, type LeafSans } from './leaf-certificate.js';
import { loadOrCreateRoot, loadPlugged, type SigningMaterial } from './signing-material.js';

export interface CaOptions {
  /** Self-signed mode keeps its root in `<stateDir>/ca/`. */
  readonly stateDir: string;
  /** Trust domain of issued SPIFFE ids (Istio default `cluster.local`). */
  readonly trustDomain: string;
  /** Folder in Istio's `cacerts` layout; when set, the self-signed root is not used. */
  readonly pluggedCertsDir?: string;
  /** TTL when the request gives none (<= 0). Default 86400 s (Istio DEFAULT_WORKLOAD_CERT_TTL=24h). */
  readonly defaultTtlSeconds?: number;
  /** Longer requests are capped to this. Default 90 days (Istio MAX_WORKLOAD_CERT_TTL). */
  readonly maxTtlSeconds?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

export interface IssueRequest {
  readonly spiffeId?: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly ttlSeconds?: number;
}

export interface IssuedKeyAndCert {
  /** PKCS#8 PEM (ECDSA P-256). */
  readonly keyPem: string;
  /** Leaf first, then intermediates; roots not included. */
  readonly certChainPem: string[];
  readonly rootsPem: string[];
}

export interface CertificateAuthority {
  readonly trustDomain: string;
  /** Trust roots, one PEM each. */
  readonly rootsPem: string[];
  /** Where the signing material came from. */
  readonly source: SigningMaterial['source'];
  /**
   * Signs `csrPem` for `spiffeId` (the CSR's own SANs are ignored). Resolves to Istio's cert_chain: leaf,
   * intermediates, then the root bundle as the last element. Rejects with CaError `invalid-csr`/`invalid-identity`.
   */
  signCsr(csrPem: string, spiffeId: string, ttlSeconds?: number): Promise<string[]>;
  /** Generates a key and a certificate with the given SANs (for the CA's own TLS servers). */
  issueKeyAndCert(req: IssueRequest): Promise<IssuedKeyAndCert>;
}

const DAY_SECONDS = 86_400;
/** Certificates start a minute in the past to absorb small clock differences between nodes. */
const BACKDATE_MS = 60_000;

/** Checks `id` is `spiffe://<trustDomain>/<path>`; a message when it is not. */
export function spiffeIdProblem(id: string, trustDomain: string): string | undefined {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return `identity "${id}" is not a URI`;
  }
  if (url.protocol !== 'spiffe:') return `identity "${id}" is not a spiffe:// URI`;
  if (url.host !== trustDomain) return `identity "${id}" is outside trust domain "${trustDomain}"`;
  if (url.pathname.length <= 1 || url.search || url.hash) return `identity "${id}" has no path or has a query/fragment`;
  return undefined;
}

/** Loads (or on first start creates) the CA described by `opts`. */
export async function loadOrCreateCa(opts: CaOptions): Promise<CertificateAuthority> {
  const now = opts.now ?? (() => new Date());
  const material = opts.pluggedCertsDir
    ? await loadPlugged(opts.pluggedCertsDir)
    : await loadOrCreateRoot(opts.stateDir, opts.trustDomain, now());
  const defaultTtl = opts.defaultTtlSeconds ?? DAY_SECONDS;
  const maxTtl = opts.maxTtlSeconds ?? 90 * DAY_SECONDS;
  const rootsBundle = material.rootsPem.join('');

  const validity = (ttlSeconds: number | undefined): { notBefore: Date; notAfter: Date } => {
    const ttl = ttlSeconds === undefined || ttlSeconds <= 0 ? defaultTtl : Math.min(ttlSeconds, maxTtl);
    const t = now().getTime();
    const notAfter = Math.min(t + ttl * 1000, material.signingCert.notAfter.getTime());
    return { notBefore: new Date(t - BACKDATE_MS), notAfter: new Date(notAfter) };
  };
  const sign = async (publicKey: Parameters<typeof signLeaf>[1], sans: LeafSans, ttl: number | undefined) =>
    signLeaf(material, publicKey, sans, validity(ttl));

  return {
    trustDomain: opts.trustDomain,
    rootsPem: [...material.rootsPem],
    source: material.source,
    async signCsr(csrPem, spiffeId, ttlSeconds) {
      const problem = spiffeIdProblem(spiffeId, opts.trustDomain);
      if (problem) throw new CaError('invalid-identity', problem);
      const csr = await verifyCsr(csrPem);
      if ('error' in csr) throw new CaError('invalid-csr', csr.error);
      const leaf = await sign(csr.publicKey, { uris: [spiffeId], dnsNames: [], ipAddresses: [] }, ttlSeconds);
      return [leaf, ...material.intermediatesPem, rootsBundle];
    },
    async issueKeyAndCert(req) {
      if (req.spiffeId !== undefined) {
        const problem = spiffeIdProblem(req.spiffeId, opts.trustDomain);
        if (problem) throw new CaError('invalid-identity', problem);
      }
      const keyPem = await generateKeyPair();
      const key = await importSigningKeyOrThrow(keyPem);
      const sans: LeafSans = {
        uris: req.spiffeId === undefined ? [] : [req.spiffeId],
        dnsNames: req.dnsNames ?? [],
        ipAddresses: req.ipAddresses ?? [],
      };
      const leaf = await sign(key.publicKey, sans, req.ttlSeconds);
      return { keyPem, certChainPem: [leaf, ...material.intermediatesPem], rootsPem: [...material.rootsPem] };
    },
  };
}
