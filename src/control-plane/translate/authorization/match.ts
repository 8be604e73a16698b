/**
 * Value converters from AuthorizationPolicy strings to `istio.security` match values, with istiod's rules
 * (pilot/pkg/serviceregistry/ambient/authorization.go): `*` = presence, `*x` = suffix, `x*` = prefix, else exact;
 * ports that do not parse and IPs/CIDRs that do not parse are skipped. The model validator already rejects such
 * policies with a field-path error (validate-istio.ts), so the skips only guard objects built without validation.
 */
import { ipToBytes } from '../../../shared/xds/ip-bytes.js';

export type StringMatch =
  | { readonly exact: string }
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly presence: Record<string, never> };

export interface AddressMatch {
  readonly address: Buffer;
  readonly length: number;
}

export interface ServiceAccountMatch {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export function toStringMatches(values: readonly string[] | undefined): StringMatch[] {
  return (values ?? []).map((v): StringMatch => {
    if (v === '*') return { presence: {} };
    if (v.startsWith('*')) return { suffix: v.slice(1) };
    if (v.endsWith('*')) return { prefix: v.slice(0, -1) };
    return { exact: v };
  });
}

export function toPorts(values: readonly string[] | undefined): number[] {
  const out: number[] = [];
  for (const v of values ?? []) {
    if (!/^\d+$/.test(v)) continue;
    const p = Number(v);
    if (p <= 65535) out.push(p);
  }
  return out;
}

export function toAddresses(values: readonly string[] | undefined): AddressMatch[] {
  const out: AddressMatch[] = [];
  for (const v of values ?? []) {
    if (v === '') continue;
    const [ip, bits] = v.split('/', 2) as [string, string | undefined];
    const address = ipToBytes(ip);
    if (!address) continue;
    const max = address.length * 8;
    if (bits === undefined) {
      out.push({ address, length: max });
      continue;
    }
    if (!/^\d+$/.test(bits) || Number(bits) > max) continue;
    out.push({ address, length: Number(bits) });
  }
  return out;
}

/** `<ns>/<sa>`, or `<sa>` meaning the policy's namespace. */
export function toServiceAccounts(values: readonly string[] | undefined, policyNamespace: string): ServiceAccountMatch[] {
  return (values ?? []).map((v) => {
    const i = v.indexOf('/');
    return i >= 0
      ? { namespace: v.slice(0, i), serviceAccount: v.slice(i + 1) }
      : { namespace: policyNamespace, serviceAccount: v };
  });
}
