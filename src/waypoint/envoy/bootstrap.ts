/**
 * Renders the waypoint Envoy bootstrap from `envoy/bootstrap.yaml`: parse, substitute `${NAME}` placeholders inside
 * string values, then validate against Envoy's Bootstrap proto (and its PGV rules) before anything is written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createResourceBuilder } from '../../shared/envoy/index.js';
import { AMBIT_PROTO_DIR } from '../../shared/proto/paths.js';

/** `envoy/bootstrap.yaml` in this package (sibling of `proto/`). */
export const BOOTSTRAP_TEMPLATE_PATH = join(AMBIT_PROTO_DIR, '..', 'envoy', 'bootstrap.yaml');

export type BootstrapVars = Readonly<Record<string, string | number>>;

export type RenderResult = { readonly ok: true; readonly bootstrap: Record<string, unknown> } | { readonly ok: false; readonly problems: readonly string[] };

const PLACEHOLDER = /\$\{([A-Z0-9_]+)\}/g;

function substitute(value: unknown, vars: BootstrapVars, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Z0-9_]+)\}$/.exec(value);
    if (whole && typeof vars[whole[1]!] === 'number') return vars[whole[1]!];
    return value.replace(PLACEHOLDER, (_m, name: string) => {
      const v = vars[name];
      if (v === undefined) missing.add(name);
      return v === undefined ? '' : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, missing)]));
  }
  return value;
}

/** Fills and validates a parsed template. */
export function renderBootstrap(template: unknown, vars: BootstrapVars): RenderResult {
  const missing = new Set<string>();
  const bootstrap = substitute(template, vars, missing) as Record<string, unknown>;
  if (missing.size > 0) return { ok: false, problems: [...missing].map((n) => `bootstrap template: no value for \${${n}}`) };
  const problems = createResourceBuilder().validate('envoy.config.bootstrap.v3.Bootstrap', bootstrap);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, bootstrap };
}

export async function loadBootstrapTemplate(path: string = BOOTSTRAP_TEMPLATE_PATH): Promise<unknown> {
  return parse(await readFile(path, 'utf8')) as unknown;
}
