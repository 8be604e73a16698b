/**
 * protoc-gen-validate rule checks for single values. The rules come from the `(validate.rules)` field options that
 * protobufjs keeps in `parsedOptions`; names and semantics follow validate.proto (PGV v1, as vendored with Envoy).
 */

/** A `(validate.rules)` option value, e.g. `{ string: { min_len: 1 } }`. */
export type FieldRules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const WELL_KNOWN: Record<string, { strict: RegExp; loose: RegExp }> = {
  HTTP_HEADER_NAME: { strict: /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/, loose: /^[^\u0000\u000A\u000D]*$/ },
  HTTP_HEADER_VALUE: { strict: /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/, loose: /^[^\u0000\u000A\u000D]*$/ },
};

const patternCache = new Map<string, RegExp | null>();
function compilePattern(pattern: string): RegExp | null {
  if (!patternCache.has(pattern)) {
    try {
      // RE2 inline flags like (?i) are not JS syntax; Envoy's PGV patterns do not use them.
      patternCache.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      patternCache.set(pattern, null);
    }
  }
  return patternCache.get(pattern) ?? null;
}

/** Merges the possibly split `(validate.rules)` options of one field into one object. */
export function fieldRules(parsedOptions: readonly Record<string, unknown>[] | null | undefined): FieldRules | undefined {
  if (!parsedOptions) return undefined;
  let merged: Record<string, Record<string, unknown>> | undefined;
  for (const opt of parsedOptions) {
    const r = opt['(validate.rules)'];
    if (!r || typeof r !== 'object') continue;
    merged ??= {};
    for (const [kind, body] of Object.entries(r as Record<string, Record<string, unknown>>)) {
      merged[kind] = { ...(merged[kind] ?? {}), ...body };
    }
  }
  return merged;
}

/** Checks a string against PGV `string` rules; returns the violated rule or undefined. */
export function checkString(r: Readonly<Record<string, unknown>>, v: string): string | undefined {
  if (r.ignore_empty === true && v === '') return undefined;
  const chars = [...v].length;
  const bytes = Buffer.byteLength(v);
  if (typeof r.const === 'string' && v !== r.const) return `must equal "${r.const}"`;
  if (typeof r.len === 'number' && chars !== r.len) return `length must be ${r.len}`;
  if (typeof r.min_len === 'number' && chars < r.min_len) return `length must be at least ${r.min_len}`;
  if (typeof r.max_len === 'number' && chars > r.max_len) return `length must be at most ${r.max_len}`;
  if (typeof r.min_bytes === 'number' && bytes < r.min_bytes) return `must have at least ${r.min_bytes} bytes`;
  if (typeof r.max_bytes === 'number' && bytes > r.max_bytes) return `must have at most ${r.max_bytes} bytes`;
  if (typeof r.prefix === 'string' && !v.startsWith(r.prefix)) return `must start with "${r.prefix}"`;
  if (typeof r.suffix === 'string' && !v.endsWith(r.suffix)) return `must end with "${r.suffix}"`;
  if (typeof r.contains === 'string' && !v.includes(r.contains)) return `must contain "${r.contains}"`;
  if (typeof r.not_contains === 'string' && v.includes(r.not_contains)) return `must not contain "${r.not_contains}"`;
  if (Array.isArray(r.in) && !r.in.includes(v)) return `must be one of ${JSON.stringify(r.in)}`;
  if (Array.isArray(r.not_in) && r.not_in.includes(v)) return `must not be one of ${JSON.stringify(r.not_in)}`;
  if (typeof r.pattern === 'string') {
    const re = compilePattern(r.pattern);
    if (re && !re.test(v)) return `must match pattern ${r.pattern}`;
  }
  if (typeof r.well_known_regex === 'string') {
    const wk = WELL_KNOWN[r.well_known_regex];
    const re = wk ? (r.strict === false ? wk.loose : wk.strict) : undefined;
    if (re && !re.test(v)) return `must be a valid ${r.well_known_regex}`;
  }
  return undefined;
}

/** Checks a number against PGV numeric rules (uint32, int64, double, ...). */
export function checkNumber(r: Readonly<Record<string, unknown>>, v: number): string | undefined {
  if (r.ignore_empty === true && v === 0) return undefined;
  if (typeof r.const === 'number' && v !== r.const) return `must equal ${r.const}`;
  if (Array.isArray(r.in) && !r.in.includes(v)) return `must be one of ${JSON.stringify(r.in)}`;
  if (Array.isArray(r.not_in) && r.not_in.includes(v)) return `must not be one of ${JSON.stringify(r.not_in)}`;
  return checkRange(r, v, String);
}

/** gt/gte/lt/lte including PGV's exclusive-range form (gt > lt means "outside"). */
function checkRange<T>(r: Readonly<Record<string, unknown>>, v: number, show: (x: number) => T): string | undefined {
  const num = (k: string): number | undefined => toNumber(r[k]);
  const gt = num('gt');
  const gte = num('gte');
  const lt = num('lt');
  const lte = num('lte');
  const lower = gt !== undefined ? v > gt : gte !== undefined ? v >= gte : true;
  const upper = lt !== undefined ? v < lt : lte !== undefined ? v <= lte : true;
  const lowBound = gt ?? gte;
  const highBound = lt ?? lte;
  const exclusive = lowBound !== undefined && highBound !== undefined && lowBound > highBound;
  const ok = exclusive ? lower || upper : lower && upper;
  if (ok) return undefined;
  const parts: string[] = [];
  if (gt !== undefined) parts.push(`> ${show(gt)}`);
  if (gte !== undefined) parts.push(`>= ${show(gte)}`);
  if (lt !== undefined) parts.push(`< ${show(lt)}`);
  if (lte !== undefined) parts.push(`<= ${show(lte)}`);
  return `must be ${parts.join(exclusive ? ' or ' : ' and ')}`;
}

function toNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x))) return Number(x);
  return undefined;
}

/** Duration as nanoseconds from `{seconds, nanos}` (PGV rule values and converted field values alike). */
export function durationNanos(d: unknown): number | undefined {
  if (!d || typeof d !== 'object') return undefined;
  const o = d as { seconds?: unknown; nanos?: unknown };
  return (toNumber(o.seconds) ?? 0) * 1e9 + (toNumber(o.nanos) ?? 0);
}

/** Checks a duration (already `{seconds, nanos}`) against PGV `duration` rules. */
export function checkDuration(r: Readonly<Record<string, unknown>>, d: unknown): string | undefined {
  const v = durationNanos(d) ?? 0;
  const asNanos: Record<string, unknown> = {};
  for (const k of ['gt', 'gte', 'lt', 'lte', 'const'] as const) {
    if (r[k] !== undefined) asNanos[k] = durationNanos(r[k]) ?? 0;
  }
  if (asNanos.const !== undefined && v !== asNanos.const) return `must equal ${Number(asNanos.const) / 1e9}s`;
  return checkRange(asNanos, v, (n) => `${n / 1e9}s`);
}

/** Checks an enum number against PGV `enum` rules. */
export function checkEnum(r: Readonly<Record<string, unknown>>, v: number, defined: readonly number[]): string | undefined {
  if (r.defined_only === true && !defined.includes(v)) return `value ${v} is not a defined enum value`;
  if (typeof r.const === 'number' && v !== r.const) return `must equal ${r.const}`;
  if (Array.isArray(r.in) && !r.in.includes(v)) return `must be one of ${JSON.stringify(r.in)}`;
  if (Array.isArray(r.not_in) && r.not_in.includes(v)) return `must not be one of ${JSON.stringify(r.not_in)}`;
  return undefined;
}
