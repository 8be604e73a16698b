/**
 * Field readers for the validator. Each reader checks one value at a dotted path, records a problem in the shared
 * `Problems` list when it is wrong, and returns a usable value (or undefined) so validation continues and every
 * problem of a document is reported at once.
 */
import { isIP } from 'node:net';

export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** Collected problems of one document. */
export type Problems = Problem[];

export type RawObject = Readonly<Record<string, unknown>>;

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function isObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An optional nested object; a missing value reads as `{}` unless `required`. */
export function readObject(p: Problems, v: unknown, path: string, required = false): RawObject | undefined {
  if (v === undefined || v === null) {
    if (required) p.push({ field: path, message: 'required field is missing' });
    return required ? undefined : {};
  }
  if (!isObject(v)) {
    p.push({ field: path, message: `expected an object, got ${describe(v)}` });
    return undefined;
  }
  return v;
}

export function optString(p: Problems, v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    p.push({ field: path, message: `expected a string, got ${describe(v)}` });
    return undefined;
  }
  return v;
}

export function reqString(p: Problems, v: unknown, path: string): string {
  if (v === undefined || v === null || v === '') {
    p.push({ field: path, message: 'required field is missing' });
    return '';
  }
  return optString(p, v, path) ?? '';
}

export function optBool(p: Problems, v: unknown, path: string, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') {
    p.push({ field: path, message: `expected true or false, got ${describe(v)}` });
    return fallback;
  }
  return v;
}

export function optInt(p: Problems, v: unknown, path: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    p.push({ field: path, message: `expected an integer, got ${describe(v)}` });
    return undefined;
  }
  if (v < min || v > max) {
    p.push({ field: path, message: `${v} is out of range ${min}-${max}` });
    return undefined;
  }
  return v;
}

export function readPort(p: Problems, v: unknown, path: string, required: boolean): number | undefined {
  if ((v === undefined || v === null) && required) {
    p.push({ field: path, message: 'required field is missing' });
    return undefined;
  }
  return optInt(p, v, path, 1, 65535);
}

export function readEnum<T extends string>(p: Problems, v: unknown, path: string, allowed: readonly T[], fallback: T): T {
  const s = optString(p, v, path);
  if (s === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(s)) {
    p.push({ field: path, message: `"${s}" is not one of ${allowed.join(', ')}` });
    return fallback;
  }
  return s as T;
}

/** A list; a missing value reads as []. `each` validates one item and returns undefined to drop it. */
export function readList<T>(p: Problems, v: unknown, path: string, each: (item: unknown, itemPath: string) => T | undefined): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.push({ field: path, message: `expected a list, got ${describe(v)}` });
    return [];
  }
  const out: T[] = [];
  v.forEach((item, i) => {
    const r = each(item, `${path}[${i}]`);
    if (r !== undefined) out.push(r);
  });
  return out;
}

export function readStringList(p: Problems, v: unknown, path: string): string[] {
  return readList(p, v, path, (item, itemPath) => optString(p, item, itemPath));
}

/** Like readStringList, but undefined (not []) when the field is absent: Istio distinguishes absent from empty. */
export function optStringList(p: Problems, v: unknown, path: string): string[] | undefined {
  return v === undefined || v === null ? undefined : readStringList(p, v, path);
}

export function readIp(p: Problems, v: unknown, path: string, required: boolean): string | undefined {
  const s = required ? reqString(p, v, path) : optString(p, v, path);
  if (!s) return undefined;
  if (isIP(s) === 0) {
    p.push({ field: path, message: `"${s}" is not an IP address` });
    return undefined;
  }
  return s;
}

/** `ip` or `ip/len` with len within the family's width; records a problem naming the value otherwise. */
export function checkIpOrCidr(p: Problems, s: string, path: string): boolean {
  const slash = s.indexOf('/');
  const ip = slash >= 0 ? s.slice(0, slash) : s;
  const bits = slash >= 0 ? s.slice(slash + 1) : undefined;
  const family = isIP(ip);
  const ok = family !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
  if (!ok) p.push({ field: path, message: `"${s}" is not an IP address or CIDR` });
  return ok;
}

/** A port given as a string (AuthorizationPolicy `ports`, `destination.port` conditions): 1-65535. */
export function checkPortString(p: Problems, s: string, path: string): boolean {
  const ok = /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535;
  if (!ok) p.push({ field: path, message: `"${s}" is not a port (1-65535)` });
  return ok;
}

export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key "${key}" has an invalid prefix (must be a DNS subdomain)`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}" is invalid (name part: 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)`;
  }
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}" is invalid (at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)`;
  }
  return undefined;
}

/** A string map. With `labelSyntax`, keys and values must be valid Kubernetes label keys/values. */
export function readStringMap(p: Problems, v: unknown, path: string, labelSyntax: boolean): Record<string, string> {
  const o = readObject(p, v, path);
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') {
      p.push({ field: `${path}.${k}`, message: `expected a string, got ${describe(val)} (quote numbers and booleans)` });
      continue;
    }
    if (labelSyntax) {
      const bad = checkLabelKey(k) ?? checkLabelValue(val);
      if (bad) {
        p.push({ field: `${path}.${k}`, message: bad });
        continue;
      }
    }
    out[k] = val;
  }
  return out;
}

/** `{matchLabels: {...}}`; `matchExpressions` is not supported and reported as such. */
export function readSelector(p: Problems, v: unknown, path: string): { matchLabels: Record<string, string> } | undefined {
  if (v === undefined || v === null) return undefined;
  const o = readObject(p, v, path);
  if (!o) return undefined;
  if (o.matchExpressions !== undefined) p.push({ field: `${path}.matchExpressions`, message: 'matchExpressions is not supported; use matchLabels' });
  return { matchLabels: readStringMap(p, o.matchLabels, `${path}.matchLabels`, true) };
}

export function checkDnsName(p: Problems, name: string, path: string): void {
  if (name && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    p.push({ field: path, message: `"${name}" is not a valid name (lowercase alphanumerics, '-' and '.', at most 253)` });
  }
}

/** Reports fields of `o` not in `known` (catches typos such as `principal` for `principals`). */
export function checkKnownFields(p: Problems, o: RawObject, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) p.push({ field: `${path}.${k}`, message: `unknown field (expected one of ${known.join(', ')})` });
  }
}

/** Gateway API Duration (`1h2m3s4ms` style) → milliseconds. */
export function readDurationMs(p: Problems, v: unknown, path: string): number | undefined {
  const s = optString(p, v, path);
  if (s === undefined) return undefined;
  const m = /^(?:(\d{1,5})h)?(?:(\d{1,5})m(?!s))?(?:(\d{1,5})s)?(?:(\d{1,5})ms)?$/.exec(s);
  if (!m || s === '') {
    p.push({ field: path, message: `"${s}" is not a duration like 10s, 500ms or 1m30s` });
    return undefined;
  }
  const [h, min, sec, ms] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [number, number, number, number];
  return ((h * 60 + min) * 60 + sec) * 1000 + ms;
}
