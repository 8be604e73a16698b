/**
 * Input checks for ADS requests. A request that cannot be legitimate closes the stream with INVALID_ARGUMENT and a
 * message naming the offending field; anything an Envoy or ztunnel could legitimately send is accepted.
 */
import { TYPE_URL_PREFIX } from '../../shared/constants.js';

const MAX_NAME_LENGTH = 1024;

/**
 * Type URLs of the xDS families (Envoy, xds, Istio) are accepted even without a generator: Envoy asks for types a
 * server may not serve and must get an (empty) answer instead of a broken stream. Anything else is garbage.
 */
export function checkTypeUrl(typeUrl: string): string | undefined {
  if (!typeUrl.startsWith(TYPE_URL_PREFIX)) return `type_url ${JSON.stringify(typeUrl)} does not start with ${TYPE_URL_PREFIX}`;
  const message = typeUrl.slice(TYPE_URL_PREFIX.length);
  if (!/^(envoy|xds|istio|ambit)\.[A-Za-z0-9_.]+$/.test(message)) {
    return `type_url ${JSON.stringify(typeUrl)} is not an xDS resource type this server knows (envoy.*, xds.*, istio.*, ambit.*)`;
  }
  return undefined;
}

/** Resource names: non-empty, at most 1024 characters, no control characters. `*` is the wildcard. */
export function checkResourceNames(field: string, names: readonly string[]): string | undefined {
  for (const [i, n] of names.entries()) {
    if (typeof n !== 'string' || n.length === 0) return `${field}[${i}] is empty`;
    if (n.length > MAX_NAME_LENGTH) return `${field}[${i}] is longer than ${MAX_NAME_LENGTH} characters`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(n)) return `${field}[${i}] ${JSON.stringify(n)} contains control characters`;
  }
  return undefined;
}
