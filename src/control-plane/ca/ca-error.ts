/** Errors raised by the CA, with stable codes the gRPC service maps to status codes. */
export type CaErrorCode =
  /** The CSR is not PEM/PKCS#10, or its signature does not verify. → INVALID_ARGUMENT */
  | 'invalid-csr'
  /** The identity to certify is not a SPIFFE id in this CA's trust domain. → INVALID_ARGUMENT */
  | 'invalid-identity'
  /** Root/intermediate material on disk is missing, malformed or inconsistent. Fatal at start-up. */
  | 'bad-ca-material';

export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(
    readonly code: CaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
