/**
 * Client for Istio's certificate API, used by ztunnel and waypoints to obtain workload certificates from the control
 * plane (:15012, TLS). Sends `authorization: Bearer <token>` like Istio's ztunnel, and for node proxies the
 * `ImpersonatedIdentity` metadata; checks the returned leaf carries exactly the identity asked for.
 */
import { createGrpcChannel } from '../xds/grpc-h2.js';
import { DEFAULT_CLUSTER_ID } from '../constants.js';
import { certificateUriSans } from './san.js';
import { createCertificateMethod, IMPERSONATED_IDENTITY_KEY, stringStruct, type IstioCertificateRequest, type IstioCertificateResponse } from './ca-messages.js';

export interface CaClientOptions {
  /** `host:port` of the control plane's TLS gRPC port. */
  readonly address: string;
  /** Roots that sign the control plane's serving certificate (the mesh roots). */
  readonly rootsPem: readonly string[] | string;
  /** Bootstrap token, or a function re-reading it (so a rotated token file is picked up). */
  readonly token: string | (() => string);
  /** TLS server name to verify instead of the host in `address` (e.g. `istiod`). */
  readonly serverName?: string;
  /** Sent as `clusterid` metadata, as ztunnel does. Default `Kubernetes`. */
  readonly clusterId?: string;
  /** Per-call deadline. Default 10000 ms. */
  readonly timeoutMs?: number;
}

export interface CreateCertificateOptions {
  /** Requested validity (Istio `validity_duration`); the CA default when absent. */
  readonly ttlSeconds?: number;
  /** SPIFFE id requested on behalf of a workload (node proxies). The leaf must carry exactly this URI SAN. */
  readonly impersonatedIdentity?: string;
}

export interface CaClient {
  /** Resolves to Istio's cert_chain: leaf PEM first, root bundle last. Rejects with a GrpcCallError (code, details) otherwise. */
  createCertificate(csrPem: string, opts?: CreateCertificateOptions): Promise<string[]>;
  close(): void;
}

/** How long the CA connection stays open after the last call (a burst of fetches for new workloads reuses it). */
const CA_IDLE_TIMEOUT_MS = 30_000;

export function createCaClient(opts: CaClientOptions): CaClient {
  const method = createCertificateMethod();
  const channel = createGrpcChannel({
    address: opts.address,
    tls: { rootsPem: typeof opts.rootsPem === 'string' ? opts.rootsPem : opts.rootsPem.join(''), ...(opts.serverName ? { servername: opts.serverName } : {}) },
    // As grpc-js with only ssl_target_name_override: the TLS name changes, the :authority stays the address.
    authority: opts.address,
    // Certificates are fetched at start and at half life: no TLS session is held in between.
    idleTimeoutMs: CA_IDLE_TIMEOUT_MS,
  });
  const token = typeof opts.token === 'function' ? opts.token : () => opts.token as string;

  const call = async (request: IstioCertificateRequest): Promise<IstioCertificateResponse> => {
    const metadata = { authorization: `Bearer ${token()}`, clusterid: opts.clusterId ?? DEFAULT_CLUSTER_ID };
    const res = await channel.unary(method, request, { metadata, deadline: Date.now() + (opts.timeoutMs ?? 10_000) });
    return { cert_chain: res.cert_chain ?? [] };
  };

  return {
    async createCertificate(csrPem, callOpts = {}) {
      const request: IstioCertificateRequest = {
        csr: csrPem,
        validity_duration: callOpts.ttlSeconds ?? 0,
        ...(callOpts.impersonatedIdentity === undefined
          ? {}
          : { metadata: stringStruct({ [IMPERSONATED_IDENTITY_KEY]: callOpts.impersonatedIdentity }) }),
      };
      const res = await call(request);
      const chain = [...res.cert_chain];
      if (chain.length < 2) throw new Error(`CA ${opts.address} returned ${chain.length} certificates (want leaf ... roots)`);
      const want = callOpts.impersonatedIdentity;
      const got = certificateUriSans(chain[0]!);
      if (want !== undefined && (got.length !== 1 || got[0] !== want)) {
        throw new Error(`CA ${opts.address} issued a certificate for [${got.join(', ')}], requested ${want}`);
      }
      return chain;
    },
    close() {
      channel.close();
    },
  };
}
