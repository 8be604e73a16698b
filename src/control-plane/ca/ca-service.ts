/**
 * gRPC `istio.v1.auth.IstioCertificateService/CreateCertificate`: authenticate the caller, work out which identity
 * it asks for (`ImpersonatedIdentity` metadata, else the CSR's URI SAN), authorise it against the mesh model, sign.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { MeshSnapshot } from '../../shared/model/mesh.js';
import { verifyCsr } from '../../shared/crypto/csr.js';
import {
  IMPERSONATED_IDENTITY_KEY,
  loadCaService,
  requestMetadataString,
  type IstioCertificateRequest,
  type IstioCertificateResponse,
} from '../../shared/crypto/ca-proto.js';
import { describeCaller, type AuthResult } from '../auth/caller.js';
import { authorizeIdentity } from './authorize.js';
import { CaError } from './ca-error.js';
import type { CertificateAuthority } from './certificate-authority.js';

export interface CaServiceMetrics {
  readonly certificatesIssued: { inc(): void };
  readonly certificatesDenied: { inc(labels: { reason: string }): void };
}

export interface CaServiceDeps {
  readonly ca: CertificateAuthority;
  readonly authenticate: (metadata: grpc.Metadata) => AuthResult;
  readonly mesh: () => MeshSnapshot;
  readonly metrics?: CaServiceMetrics;
  readonly logger: Logger;
}

/** A refusal: gRPC status plus the `reason` label counted in certificatesDenied. */
interface Denial {
  readonly code: grpc.status;
  readonly reason: 'unauthenticated' | 'permission-denied' | 'invalid-argument' | 'internal';
  readonly message: string;
}

type Outcome = { readonly chain: string[] } | { readonly denial: Denial };

const deny = (code: grpc.status, reason: Denial['reason'], message: string): Outcome => ({ denial: { code, reason, message } });

/** The one mapping from CA errors to gRPC status. */
function denialForError(err: unknown): Outcome {
  if (err instanceof CaError && (err.code === 'invalid-csr' || err.code === 'invalid-identity')) {
    return deny(grpc.status.INVALID_ARGUMENT, 'invalid-argument', err.message);
  }
  return deny(grpc.status.INTERNAL, 'internal', `certificate signing failed: ${(err as Error).message}`);
}

async function handle(deps: CaServiceDeps, metadata: grpc.Metadata, req: IstioCertificateRequest): Promise<Outcome> {
  const caller = deps.authenticate(metadata);
  if ('error' in caller) return deny(grpc.status.UNAUTHENTICATED, 'unauthenticated', `CreateCertificate: ${caller.error}`);
  const csr = await verifyCsr(req.csr ?? '');
  if ('error' in csr) return deny(grpc.status.INVALID_ARGUMENT, 'invalid-argument', `CreateCertificate: ${csr.error}`);
  const requested = requestMetadataString(req, IMPERSONATED_IDENTITY_KEY) ?? (csr.uriSans.length === 1 ? csr.uriSans[0] : undefined);
  if (requested === undefined) {
    return deny(grpc.status.INVALID_ARGUMENT, 'invalid-argument',
      `CreateCertificate: no ${IMPERSONATED_IDENTITY_KEY} metadata and the CSR has ${csr.uriSans.length} URI SANs (want exactly one)`);
  }
  const decision = authorizeIdentity(caller, requested, deps.mesh());
  if (!decision.allow) return deny(grpc.status.PERMISSION_DENIED, 'permission-denied', decision.message);
  try {
    const chain = await deps.ca.signCsr(req.csr ?? '', requested, req.validity_duration);
    deps.logger.debug('certificate issued', { caller: describeCaller(caller), identity: requested });
    return { chain };
  } catch (err) {
    return denialForError(err);
  }
}

/** Adds IstioCertificateService to `server`. */
export function registerCaService(server: grpc.Server, deps: CaServiceDeps): void {
  const { service } = loadCaService();
  const implementation: grpc.UntypedServiceImplementation = {
    CreateCertificate(
      call: grpc.ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>,
      callback: grpc.sendUnaryData<IstioCertificateResponse>,
    ) {
      handle(deps, call.metadata, call.request)
        .catch((err: unknown) => denialForError(err))
        .then((outcome) => {
          if ('chain' in outcome) {
            deps.metrics?.certificatesIssued.inc();
            callback(null, { cert_chain: outcome.chain });
            return;
          }
          const { code, reason, message } = outcome.denial;
          deps.metrics?.certificatesDenied.inc({ reason });
          deps.logger.warn('certificate request denied', { reason, message, peer: call.getPeer() });
          callback({ code, details: message, message } as grpc.ServiceError, null);
        });
    },
  };
  server.addService(service, implementation);
}
