/**
 * Decoders for Istio workload discovery resources into plain objects (keepCase field names, enums as strings,
 * `bytes` as Buffer), for the ztunnel and any tool reading a WDS stream. Oneofs set a virtual field naming the member
 * (`type: 'workload' | 'service'` on Address, `match_type` on StringMatch, `destination` on GatewayAddress).
 */
import { TYPE_URLS } from '../constants.js';
import { ZTUNNEL_PROTOS } from '../proto/generated/ztunnel-protos.js';
import { decodeMessage } from '../proto/wire-codec.js';
import { compileSchema, type Schema } from '../proto/wire-schema.js';

let schema: Schema | undefined;

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
  const type = (schema ??= compileSchema(ZTUNNEL_PROTOS)).message(typeName);
  try {
    // Same objects as protobufjs toObject with defaults, arrays, objects, oneofs, enums as strings, bytes as Buffer.
    return decodeMessage(type, any.value, { defaults: true });
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
