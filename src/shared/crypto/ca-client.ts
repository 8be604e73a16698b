/**
 * Client for Istio's certificate API, used by ztunnel and waypoints to obtain workload certificates from the control
 * plane (:15012, TLS). Sends `authorization: Bearer <token>` like Istio's ztunnel, and for node proxies the
 * `ImpersonatedIdentity` metadata; checks the returned leaf carries exactly the identity asked for.
 */
import * as grpc from '@grpc/grpc-js';
import { certificateUriSans } from './san.js';
import { IMPERSONATED_IDENTITY_KEY, loadCaService, stringStruct, type IstioCertificateResponse } from './ca-proto.js';

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
  /** Resolves to Istio's cert_chain: leaf PEM first, root bundle last. Rejects with the gRPC error otherwise. */
  createCertificate(csrPem: string, opts?: CreateCertificateOptions): Promise<string[]>;
  close(): void;
}

export function createCaClient(opts: CaClientOptions): CaClient {
  const { Client } = loadCaService();
  const roots = Buffer.from(typeof opts.rootsPem === 'string' ? opts.rootsPem : opts.rootsPem.join(''));
  const channelOptions: grpc.ChannelOptions = opts.serverName ? { 'grpc.ssl_target_name_override': opts.serverName } : {};
  const client = new Client(opts.address, grpc.credentials.createSsl(roots), channelOptions);
  const token = typeof opts.token === 'function' ? opts.token : () => opts.token as string;

  const call = (request: object): Promise<IstioCertificateResponse> => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token()}`);
    md.set('clusterid', opts.clusterId ?? 'Kubernetes');
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      client['CreateCertificate']!(request, md, { deadline }, (err: grpc.ServiceError | null, res?: IstioCertificateResponse) => {
        if (err) reject(err);
        else resolve(res ?? { cert_chain: [] });
      });
    });
  };

  return {
    async createCertificate(csrPem, callOpts = {}) {
      const request = {
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
      client.close();
    },
  };
}
