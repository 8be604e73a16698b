/**
 * Decoders for Istio workload discovery resources into plain objects (keepCase field names, enums as strings,
 * `bytes` as Buffer), for the ztunnel and any tool reading a WDS stream. Oneofs set a virtual field naming the member
 * (`type: 'workload' | 'service'` on Address, `match_type` on StringMatch, `destination` on GatewayAddress).
 */
import { TYPE_URLS } from '../constants.js';
import { loadProtoRoot } from '../proto/root.js';

const FILES = ['istio/workload.proto', 'istio/authorization.proto'] as const;

const TO_OBJECT = { enums: String, longs: Number, bytes: Buffer, defaults: true, arrays: true, objects: true, oneofs: true } as const;

export interface AnyLike {
  readonly type_url: string;
  readonly value: Uint8Array;
}

/** Thrown for a wrong type URL or undecodable bytes; the message is suitable for a NACK's error_detail. */
export class WdsDecodeError extends Error {
  readonly code = 'WDS_DECODE';
}

function decode(typeName: string, expectedUrl: string, any: AnyLike): Record<string, unknown> {
  if (any.type_url !== expectedUrl) {
    throw new WdsDecodeError(`expected ${expectedUrl}, got type_url ${JSON.stringify(any.type_url)}`);
  }
  const type = loadProtoRoot(FILES).lookupType(typeName);
  try {
    return type.toObject(type.decode(any.value), TO_OBJECT) as Record<string, unknown>;
  } catch (err) {
    throw new WdsDecodeError(`cannot decode ${typeName}: ${(err as Error).message}`, { cause: err });
  }
}

/** Decodes an `istio.workload.Address` Any; throws WdsDecodeError. */
export function decodeAddress(any: AnyLike): Record<string, unknown> {
  return decode('istio.workload.Address', TYPE_URLS.address, any);
}

/** Decodes a bare `istio.workload.Workload` Any. */
export function decodeWorkload(any: AnyLike): Record<string, unknown> {
  return decode('istio.workload.Workload', TYPE_URLS.workload, any);
}

/** Decodes an `istio.security.Authorization` Any. */
export function decodeAuthorization(any: AnyLike): Record<string, unknown> {
  return decode('istio.security.Authorization', TYPE_URLS.authorization, any);
}
