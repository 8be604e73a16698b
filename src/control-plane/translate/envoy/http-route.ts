/**
 * GAMMA: the HTTPRoutes whose parentRefs name a Service become the routes of that service port's route config on the
 * waypoint. Precedence follows Gateway API; unresolved backends are reported (HTTPRoute ResolvedRefs) and, as Gateway
 * API requires, requests that only have invalid backends get a 500.
 */
import { ANNOTATIONS } from '../../../shared/constants.js';
import { msToDuration } from '../../../shared/envoy/index.js';
import type { MeshHttpRoute, MeshService, MeshServicePort, MeshSnapshot } from '../../../shared/model/mesh.js';
import type { HTTPBackendRef, HTTPRouteMatch, HTTPRouteRule } from '../../../shared/model/objects.js';
import { BACKEND_HEADER, vipClusterName } from './names.js';
import { headerModifierFields, redirectAction, urlRewriteFields } from './route-filters.js';
import { comparePrecedence, matchPrecedence, matchProblems, toEnvoyMatch } from './route-match.js';
import { findService } from './waypoint-view.js';

type Json = Record<string, unknown>;

export interface RouteProblem {
  /** HTTPRoute key `<ns>/<name>`. */
  readonly route: string;
  /** Gateway API condition reason, e.g. `BackendNotFound`, `InvalidKind`, `UnsupportedValue`. */
  readonly reason: string;
  readonly message: string;
}

export interface BackendPort {
  readonly service: MeshService;
  readonly port: MeshServicePort;
}

export interface RouteTranslation {
  readonly routes: readonly Json[];
  /** Service ports that routes send or mirror to; each needs an HTTP VIP cluster. */
  readonly backends: readonly BackendPort[];
  readonly problems: readonly RouteProblem[];
}

interface ResolvedBackend {
  readonly ref: HTTPBackendRef;
  readonly cluster: string;
  readonly target: BackendPort;
}

interface Ctx {
  readonly mesh: MeshSnapshot;
  readonly backends: BackendPort[];
  readonly problems: RouteProblem[];
}

const PATH_PREFIX_ALL: HTTPRouteMatch = { headers: [], queryParams: [] };

/** Routes for one service port from its attached HTTPRoutes (must be non-empty; callers add the default route). */
export function translateHttpRoutes(mesh: MeshSnapshot, attached: readonly MeshHttpRoute[]): RouteTranslation {
  const ctx: Ctx = { mesh, backends: [], problems: [] };
  const entries: { prec: readonly number[]; order: number; routes: Json[] }[] = [];
  let order = 0;
  for (const route of attached) {
    route.object.spec.rules.forEach((rule, ruleIdx) => {
      const backends = resolveBackends(route, rule, ctx);
      const matches = rule.matches.length > 0 ? rule.matches : [PATH_PREFIX_ALL];
      matches.forEach((match, matchIdx) => {
        const name = `${route.object.metadata.namespace}.${route.object.metadata.name}.${ruleIdx}.${matchIdx}`;
        const bad = matchProblems(match);
        if (bad.length > 0) {
          // A match Envoy cannot compile is left out (reported), so the rest of the route config still applies.
          for (const message of bad) ctx.problems.push({ route: route.key, reason: 'UnsupportedValue', message: `${name}: ${message}` });
          return;
        }
        const routes = ruleRoutes(route, rule, match, name, backends, ctx);
        entries.push({ prec: matchPrecedence(match), order: order++, routes });
      });
    });
  }
  entries.sort((a, b) => comparePrecedence(a.prec, b.prec) || a.order - b.order);
  return { routes: entries.flatMap((e) => e.routes), backends: ctx.backends, problems: ctx.problems };
}

function resolveBackends(route: MeshHttpRoute, rule: HTTPRouteRule, ctx: Ctx): ResolvedBackend[] {
  const out: ResolvedBackend[] = [];
  for (const ref of rule.backendRefs) {
    const target = resolveRef(route, ref, ctx);
    if (target) out.push({ ref, target, cluster: vipClusterName('http', target.port.port, target.service.hostname) });
  }
  return out;
}

function resolveRef(route: MeshHttpRoute, ref: { group: string; kind: string; name: string; namespace?: string; port?: number }, ctx: Ctx): BackendPort | undefined {
  const problem = (reason: string, message: string): undefined => {
    ctx.problems.push({ route: route.key, reason, message });
    return undefined;
  };
  if (ref.kind !== 'Service' || ref.group !== '') return problem('InvalidKind', `backendRef ${ref.kind} ${ref.name}: only core Services are supported`);
  const ns = ref.namespace ?? route.object.metadata.namespace;
  const service = findService(ctx.mesh, ns, ref.name);
  if (!service) return problem('BackendNotFound', `backendRef Service ${ns}/${ref.name} not found`);
  if (ref.port === undefined) return problem('UnsupportedValue', `backendRef Service ${ns}/${ref.name}: port is required`);
  const port = service.ports.find((p) => p.port === ref.port && p.protocol === 'TCP');
  if (!port) return problem('BackendNotFound', `backendRef Service ${ns}/${ref.name} has no TCP port ${ref.port}`);
  const target = { service, port };
  if (!ctx.backends.some((b) => b.service.key === service.key && b.port.port === port.port)) ctx.backends.push(target);
  return target;
}

/** The Envoy routes for one match of one rule: optional sticky pins, then the main route. */
function ruleRoutes(route: MeshHttpRoute, rule: HTTPRouteRule, match: HTTPRouteMatch, name: string, backends: readonly ResolvedBackend[], ctx: Ctx): Json[] {
  const prefixMatched = match.path?.type === 'PathPrefix';
  const common: Json = { ...headerModifierFields(rule.filters, true) };
  const redirect = rule.filters.find((f) => f.type === 'RequestRedirect');
  if (redirect) {
    const action = redirectAction(redirect, prefixMatched);
    if (typeof action === 'string') return unsupported(route, name, match, action, ctx);
    return [{ name, match: toEnvoyMatch(match), redirect: action, ...common }];
  }
  const action = routeAction(route, rule, prefixMatched, ctx);
  if (typeof action === 'string') return unsupported(route, name, match, action, ctx);
  // Gateway API: no valid backend, or all weights zero → 500 (Envoy also rejects a weighted_clusters sum of 0).
  if (backends.length === 0 || backends.every((b) => b.ref.weight === 0)) {
    return [{ name, match: toEnvoyMatch(match), direct_response: { status: 500 }, ...common }];
  }
  const out: Json[] = [];
  if (route.object.metadata.annotations[ANNOTATIONS.stickyKey] !== undefined && backends.length > 1) {
    for (const b of backends) {
      const pin = { name: BACKEND_HEADER, string_match: { exact: b.ref.name } };
      out.push({ name: `${name}.sticky.${b.ref.name}`, match: toEnvoyMatch(match, [pin]), route: { ...action, cluster: b.cluster }, ...common, ...headerModifierFields(b.ref.filters, false) });
    }
  }
  out.push({ name, match: toEnvoyMatch(match), route: { ...action, ...clusterSpecifier(backends) }, ...common, ...singleBackendHeaders(backends) });
  return out;
}

function unsupported(route: MeshHttpRoute, name: string, match: HTTPRouteMatch, message: string, ctx: Ctx): Json[] {
  ctx.problems.push({ route: route.key, reason: 'UnsupportedValue', message: `${name}: ${message}` });
  return [{ name, match: toEnvoyMatch(match), direct_response: { status: 500 } }];
}

function clusterSpecifier(backends: readonly ResolvedBackend[]): Json {
  if (backends.length === 1) return { cluster: backends[0]!.cluster };
  return {
    weighted_clusters: {
      clusters: backends.map((b) => ({ name: b.cluster, weight: b.ref.weight, ...headerModifierFields(b.ref.filters, false) })),
    },
  };
}

function singleBackendHeaders(backends: readonly ResolvedBackend[]): Json {
  return backends.length === 1 ? headerModifierFields(backends[0]!.ref.filters, false) : {};
}

/** RouteAction fields shared by every backend choice: timeouts, retries, rewrites, mirrors. */
function routeAction(route: MeshHttpRoute, rule: HTTPRouteRule, prefixMatched: boolean, ctx: Ctx): Json | string {
  const out: Json = {};
  const t = rule.timeouts;
  // Envoy's default route timeout is 15s; Gateway API (and Istio) default to none.
  out.timeout = t?.requestMs !== undefined ? msToDuration(t.requestMs) : '0s';
  if (rule.retry && rule.retry.attempts > 0) out.retry_policy = retryPolicy(rule.retry, t?.backendRequestMs);
  else if (t?.backendRequestMs !== undefined && t.requestMs === undefined) out.timeout = msToDuration(t.backendRequestMs);
  for (const f of rule.filters) {
    if (f.type === 'URLRewrite') {
      const fields = urlRewriteFields(f, prefixMatched);
      if (typeof fields === 'string') return fields;
      Object.assign(out, fields);
    } else if (f.type === 'RequestMirror') {
      const target = resolveRef(route, f.requestMirror.backendRef, ctx);
      if (!target) continue;
      const mirrors = (out.request_mirror_policies as Json[] | undefined) ?? [];
      mirrors.push({
        cluster: vipClusterName('http', target.port.port, target.service.hostname),
        runtime_fraction: { default_value: { numerator: f.requestMirror.percent ?? 100, denominator: 'HUNDRED' } },
      });
      out.request_mirror_policies = mirrors;
    }
  }
  return out;
}

function retryPolicy(retry: NonNullable<HTTPRouteRule['retry']>, perTryMs: number | undefined): Json {
  const out: Json = {
    retry_on: retry.codes.length > 0 ? 'connect-failure,refused-stream,retriable-status-codes' : 'connect-failure,refused-stream,5xx',
    num_retries: retry.attempts,
  };
  if (retry.codes.length > 0) out.retriable_status_codes = [...retry.codes];
  if (retry.backoffMs !== undefined && retry.backoffMs > 0) out.retry_back_off = { base_interval: msToDuration(retry.backoffMs) };
  if (perTryMs !== undefined) out.per_try_timeout = msToDuration(perTryMs);
  return out;
}
