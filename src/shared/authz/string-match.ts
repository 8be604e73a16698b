/**
 * Istio's string matching for AuthorizationPolicy values: exact `abc`, prefix `abc*`, suffix `*abc`, presence `*`
 * (any non-empty value). Paths also accept Envoy URI templates `{*}` (one segment) and `{**}` (any remainder).
 */

export type StringMatcher = (value: string | undefined) => boolean;

export interface StringMatchOptions {
  /** Hosts compare case-insensitively. */
  readonly ignoreCase?: boolean;
  /** Accept `{*}`/`{**}` path templates. */
  readonly pathTemplates?: boolean;
}

/** Compiles one Istio match value. */
export function compileStringMatch(pattern: string, opts: StringMatchOptions = {}): StringMatcher {
  const fold = opts.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const p = fold(pattern);
  if (p === '*') return (v) => v !== undefined && v !== '';
  if (opts.pathTemplates && p.includes('{*')) {
    const re = compilePathTemplate(p);
    return (v) => v !== undefined && re.test(v);
  }
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => v !== undefined && fold(v).startsWith(prefix);
  }
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => v !== undefined && fold(v).endsWith(suffix);
  }
  return (v) => v !== undefined && fold(v) === p;
}

/** OR of several values; an empty list matches nothing. */
export function compileAnyOf(patterns: readonly string[], opts: StringMatchOptions = {}): StringMatcher {
  const ms = patterns.map((p) => compileStringMatch(p, opts));
  if (ms.length === 1) return ms[0]!;
  return (v) => ms.some((m) => m(v));
}

function compilePathTemplate(template: string): RegExp {
  let src = '';
  for (const part of template.split(/(\{\*\*\}|\{\*\})/)) {
    if (part === '{**}') src += '.*';
    else if (part === '{*}') src += '[^/]+';
    else src += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}
