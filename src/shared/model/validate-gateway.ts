/** Spec validators for Gateway API kinds: Gateway and HTTPRoute (gateway.networking.k8s.io/v1). */
import type {
  GatewaySpec,
  HTTPBackendRef,
  HTTPHeader,
  HTTPHeaderFilter,
  HTTPHeaderMatch,
  HTTPPathModifier,
  HTTPRouteFilter,
  HTTPRouteMatch,
  HTTPRouteRule,
  HTTPRouteSpec,
} from './objects.js';
import { readObjectRef } from './validate-refs.js';
import {
  optInt,
  optString,
  readDurationMs,
  readEnum,
  readIp,
  readList,
  readObject,
  readPort,
  readStringList,
  reqString,
  type Problems,
  type RawObject,
} from './validate-fields.js';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export function validateGatewaySpec(p: Problems, raw: RawObject): GatewaySpec {
  const spec = readObject(p, raw.spec, 'spec', true) ?? {};
  const listeners = readList(p, spec.listeners, 'spec.listeners', (item, path) => {
    const o = readObject(p, item, path, true);
    if (!o) return undefined;
    const port = readPort(p, o.port, `${path}.port`, true);
    const hostname = optString(p, o.hostname, `${path}.hostname`);
    const routes = readObject(p, o.allowedRoutes, `${path}.allowedRoutes`);
    const ns = readObject(p, routes?.namespaces, `${path}.allowedRoutes.namespaces`);
    const from = ns?.from === undefined ? undefined : readEnum(p, ns.from, `${path}.allowedRoutes.namespaces.from`, ['Same', 'All', 'Selector'] as const, 'Same');
    return {
      name: reqString(p, o.name, `${path}.name`),
      port: port ?? 0,
      protocol: reqString(p, o.protocol, `${path}.protocol`),
      ...(hostname ? { hostname } : {}),
      ...(from ? { allowedRoutes: { namespaces: { from } } } : {}),
    };
  });
  if (listeners.length === 0) p.push({ field: 'spec.listeners', message: 'at least one listener is required' });
  const names = new Set<string>();
  listeners.forEach((l, i) => {
    if (names.has(l.name)) p.push({ field: `spec.listeners[${i}].name`, message: `duplicate listener name "${l.name}"` });
    names.add(l.name);
  });
  const addresses = readList(p, spec.addresses, 'spec.addresses', (item, path) => {
    const o = readObject(p, item, path, true);
    if (!o) return undefined;
    const type = optString(p, o.type, `${path}.type`) ?? 'IPAddress';
    const value = type === 'IPAddress' ? readIp(p, o.value, `${path}.value`, true) : reqString(p, o.value, `${path}.value`);
    return value ? { type, value } : undefined;
  });
  return { gatewayClassName: reqString(p, spec.gatewayClassName, 'spec.gatewayClassName'), listeners, addresses };
}

function readHeaderMatch(p: Problems, v: unknown, path: string): HTTPHeaderMatch | undefined {
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  return {
    type: readEnum(p, o.type, `${path}.type`, ['Exact', 'RegularExpression'] as const, 'Exact'),
    name: reqString(p, o.name, `${path}.name`),
    value: optString(p, o.value, `${path}.value`) ?? '',
  };
}

function readMatch(p: Problems, v: unknown, path: string): HTTPRouteMatch | undefined {
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  const pathObj = o.path === undefined ? undefined : readObject(p, o.path, `${path}.path`);
  const method = optString(p, o.method, `${path}.method`);
  const pathMatch = pathObj
    ? {
        type: readEnum(p, pathObj.type, `${path}.path.type`, ['Exact', 'PathPrefix', 'RegularExpression'] as const, 'PathPrefix'),
        value: optString(p, pathObj.value, `${path}.path.value`) ?? '/',
      }
    : undefined;
  if (pathMatch && pathMatch.type !== 'RegularExpression' && !pathMatch.value.startsWith('/')) {
    p.push({ field: `${path}.path.value`, message: 'must start with "/"' });
  }
  return {
    headers: readList(p, o.headers, `${path}.headers`, (h, hp) => readHeaderMatch(p, h, hp)),
    queryParams: readList(p, o.queryParams, `${path}.queryParams`, (h, hp) => readHeaderMatch(p, h, hp)),
    ...(pathMatch ? { path: pathMatch } : {}),
    ...(method ? { method } : {}),
  };
}

function readHeaderFilter(p: Problems, v: unknown, path: string): HTTPHeaderFilter {
  const o = readObject(p, v, path, true) ?? {};
  const header = (h: unknown, hp: string): HTTPHeader | undefined => {
    const ho = readObject(p, h, hp, true);
    return ho ? { name: reqString(p, ho.name, `${hp}.name`), value: optString(p, ho.value, `${hp}.value`) ?? '' } : undefined;
  };
  return {
    set: readList(p, o.set, `${path}.set`, header),
    add: readList(p, o.add, `${path}.add`, header),
    remove: readStringList(p, o.remove, `${path}.remove`),
  };
}

function readPathModifier(p: Problems, v: unknown, path: string): HTTPPathModifier | undefined {
  if (v === undefined) return undefined;
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  const type = readEnum(p, o.type, `${path}.type`, ['ReplaceFullPath', 'ReplacePrefixMatch'] as const, 'ReplaceFullPath');
  const full = optString(p, o.replaceFullPath, `${path}.replaceFullPath`);
  const prefix = optString(p, o.replacePrefixMatch, `${path}.replacePrefixMatch`);
  return { type, ...(full !== undefined ? { replaceFullPath: full } : {}), ...(prefix !== undefined ? { replacePrefixMatch: prefix } : {}) };
}

const FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror'] as const;

function readFilter(p: Problems, v: unknown, path: string): HTTPRouteFilter | undefined {
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  const type = readEnum(p, o.type, `${path}.type`, FILTER_TYPES, 'RequestHeaderModifier');
  if (o.type === undefined) p.push({ field: `${path}.type`, message: 'required field is missing' });
  switch (type) {
    case 'RequestHeaderModifier':
      return { type, requestHeaderModifier: readHeaderFilter(p, o.requestHeaderModifier, `${path}.requestHeaderModifier`) };
    case 'ResponseHeaderModifier':
      return { type, responseHeaderModifier: readHeaderFilter(p, o.responseHeaderModifier, `${path}.responseHeaderModifier`) };
    case 'RequestRedirect': {
      const r = readObject(p, o.requestRedirect, `${path}.requestRedirect`, true) ?? {};
      const rp = `${path}.requestRedirect`;
      const scheme = optString(p, r.scheme, `${rp}.scheme`);
      const hostname = optString(p, r.hostname, `${rp}.hostname`);
      const mod = readPathModifier(p, r.path, `${rp}.path`);
      const port = readPort(p, r.port, `${rp}.port`, false);
      const statusCode = optInt(p, r.statusCode, `${rp}.statusCode`, 301, 308) ?? 302;
      return {
        type,
        requestRedirect: {
          statusCode,
          ...(scheme ? { scheme } : {}),
          ...(hostname ? { hostname } : {}),
          ...(mod ? { path: mod } : {}),
          ...(port !== undefined ? { port } : {}),
        },
      };
    }
    case 'URLRewrite': {
      const r = readObject(p, o.urlRewrite, `${path}.urlRewrite`, true) ?? {};
      const hostname = optString(p, r.hostname, `${path}.urlRewrite.hostname`);
      const mod = readPathModifier(p, r.path, `${path}.urlRewrite.path`);
      return { type, urlRewrite: { ...(hostname ? { hostname } : {}), ...(mod ? { path: mod } : {}) } };
    }
    case 'RequestMirror': {
      const r = readObject(p, o.requestMirror, `${path}.requestMirror`, true) ?? {};
      const backendRef = readObjectRef(p, r.backendRef, `${path}.requestMirror.backendRef`, { group: '', kind: 'Service' }, true);
      const percent = optInt(p, r.percent, `${path}.requestMirror.percent`, 0, 100);
      if (!backendRef) return undefined;
      return { type, requestMirror: { backendRef, ...(percent !== undefined ? { percent } : {}) } };
    }
  }
}

function readBackendRef(p: Problems, v: unknown, path: string): HTTPBackendRef | undefined {
  const ref = readObjectRef(p, v, path, { group: '', kind: 'Service' }, true);
  if (!ref) return undefined;
  const o = v as RawObject;
  if (ref.kind === 'Service' && ref.group === '' && ref.port === undefined) p.push({ field: `${path}.port`, message: 'required for a Service backend' });
  return {
    ...ref,
    weight: optInt(p, o.weight, `${path}.weight`, 0, 1_000_000) ?? 1,
    filters: readList(p, o.filters, `${path}.filters`, (f, fp) => readFilter(p, f, fp)),
  };
}

function readRule(p: Problems, v: unknown, path: string): HTTPRouteRule | undefined {
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  const name = optString(p, o.name, `${path}.name`);
  const t = readObject(p, o.timeouts, `${path}.timeouts`) ?? {};
  const requestMs = readDurationMs(p, t.request, `${path}.timeouts.request`);
  const backendRequestMs = readDurationMs(p, t.backendRequest, `${path}.timeouts.backendRequest`);
  const retryObj = o.retry === undefined ? undefined : readObject(p, o.retry, `${path}.retry`);
  const backoffMs = retryObj ? readDurationMs(p, retryObj.backoff, `${path}.retry.backoff`) : undefined;
  const retry = retryObj
    ? {
        codes: readList(p, retryObj.codes, `${path}.retry.codes`, (c, cp) => optInt(p, c, cp, 400, 599)),
        attempts: optInt(p, retryObj.attempts, `${path}.retry.attempts`, 0, 1000) ?? 1,
        ...(backoffMs !== undefined ? { backoffMs } : {}),
      }
    : undefined;
  const matches = readList(p, o.matches, `${path}.matches`, (m, mp) => readMatch(p, m, mp));
  return {
    matches: matches.length > 0 || o.matches !== undefined ? matches : [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }],
    filters: readList(p, o.filters, `${path}.filters`, (f, fp) => readFilter(p, f, fp)),
    backendRefs: readList(p, o.backendRefs, `${path}.backendRefs`, (b, bp) => readBackendRef(p, b, bp)),
    ...(name ? { name } : {}),
    ...(requestMs !== undefined || backendRequestMs !== undefined
      ? { timeouts: { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) } }
      : {}),
    ...(retry ? { retry } : {}),
  };
}

export function validateHTTPRouteSpec(p: Problems, raw: RawObject): HTTPRouteSpec {
  const spec = readObject(p, raw.spec, 'spec', true) ?? {};
  const parentRefs = readList(p, spec.parentRefs, 'spec.parentRefs', (r, path) => readObjectRef(p, r, path, { group: GATEWAY_GROUP, kind: 'Gateway' }, true));
  const rules = readList(p, spec.rules, 'spec.rules', (r, path) => readRule(p, r, path));
  return {
    parentRefs,
    hostnames: readStringList(p, spec.hostnames, 'spec.hostnames'),
    rules: rules.length > 0 || spec.rules !== undefined ? rules : [{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }], filters: [], backendRefs: [] }],
  };
}
