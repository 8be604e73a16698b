/**
 * Names and message shapes of Istio's certificate API (`istio.v1.auth.IstioCertificateService`, proto/istio/ca.proto),
 * shared by the grpc-js server side (ca-proto.ts) and the lightweight client side (ca-messages.ts).
 */

export const CA_PROTO_FILE = 'istio/ca.proto';
/** Full method path, as istiod serves it on :15012. */
export const CREATE_CERTIFICATE_PATH = '/istio.v1.auth.IstioCertificateService/CreateCertificate';
/** Request metadata (Struct) key a node proxy uses to ask for a workload's identity (Istio `ImpersonatedIdentity`). */
export const IMPERSONATED_IDENTITY_KEY = 'ImpersonatedIdentity';

/**
 * google.protobuf.Value as proto-loader decodes it. The well-known types come from protobufjs's built-in (camelCase)
 * descriptors, so even with keepCase the member is `stringValue`, not `string_value`.
 */
export interface StructValue {
  readonly stringValue?: string;
  readonly kind?: string;
}

/** A Struct holding string values, in the shape proto-loader encodes. */
export function stringStruct(entries: Readonly<Record<string, string>>): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [k, v] of Object.entries(entries)) fields[k] = { stringValue: v };
  return { fields };
}

/** Decoded `istio.v1.auth.IstioCertificateRequest` (snake_case, as proto-loader is configured). */
export interface IstioCertificateRequest {
  readonly csr?: string;
  /** Seconds; <= 0 or absent means the CA default. */
  readonly validity_duration?: number;
  readonly metadata?: { readonly fields?: Readonly<Record<string, StructValue>> };
}

export interface IstioCertificateResponse {
  readonly cert_chain: readonly string[];
}

/** Reads a string entry of the request's metadata Struct. */
export function requestMetadataString(req: IstioCertificateRequest, key: string): string | undefined {
  const v = req.metadata?.fields?.[key]?.stringValue;
  return v === undefined || v === '' ? undefined : v;
}
