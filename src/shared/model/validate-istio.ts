/** Spec validators for Istio kinds: WorkloadEntry, ServiceEntry, AuthorizationPolicy, RequestAuthentication. */
import type {
  AuthorizationPolicySpec,
  AuthzRule,
  AuthzSource,
  JwtRule,
  ObjectReference,
  RequestAuthenticationSpec,
  ServiceEntrySpec,
  WorkloadEntrySpec,
} from './objects.js';
import { readObjectRef } from './validate-refs.js';
import {
  checkIpOrCidr,
  checkKnownFields,
  checkPortString,
  isObject,
  optBool,
  optString,
  optStringList,
  readEnum,
  readIp,
  readList,
  readObject,
  readPort,
  readSelector,
  readStringList,
  readStringMap,
  reqString,
  type Problems,
  type RawObject,
} from './validate-fields.js';

/** One WorkloadEntry spec (also a ServiceEntry inline endpoint, at `path`). */
export function readWorkloadEntrySpec(p: Problems, o: RawObject, path: string, addressRequired: boolean): WorkloadEntrySpec {
  const ports: Record<string, number> = {};
  const rawPorts = readObject(p, o.ports, `${path}.ports`) ?? {};
  for (const [name, v] of Object.entries(rawPorts)) {
    const n = readPort(p, v, `${path}.ports.${name}`, true);
    if (n !== undefined) ports[name] = n;
  }
  const nodeName = optString(p, o.nodeName, `${path}.nodeName`);
  const locality = optString(p, o.locality, `${path}.locality`);
  return {
    address: (addressRequired ? readIp(p, o.address, `${path}.address`, true) : optString(p, o.address, `${path}.address`)) ?? '',
    labels: readStringMap(p, o.labels, `${path}.labels`, true),
    ports,
    serviceAccount: optString(p, o.serviceAccount, `${path}.serviceAccount`) || 'default',
    network: optString(p, o.network, `${path}.network`) ?? '',
    ...(nodeName ? { nodeName } : {}),
    ...(locality ? { locality } : {}),
  };
}

export function validateWorkloadEntrySpec(p: Problems, raw: RawObject): WorkloadEntrySpec {
  const spec = readObject(p, raw.spec, 'spec', true) ?? {};
  return readWorkloadEntrySpec(p, spec, 'spec', true);
}

/** ServiceEntry `workloadSelector: {labels: {...}}` → a LabelSelector. */
function readWorkloadSelector(p: Problems, v: unknown): { matchLabels: Record<string, string> } | undefined {
  if (v === undefined || v === null) return undefined;
  const o = readObject(p, v, 'spec.workloadSelector');
  return o ? { matchLabels: readStringMap(p, o.labels, 'spec.workloadSelector.labels', true) } : undefined;
}

export function validateServiceEntrySpec(p: Problems, raw: RawObject): ServiceEntrySpec {
  const spec = readObject(p, raw.spec, 'spec', true) ?? {};
  const hosts = readStringList(p, spec.hosts, 'spec.hosts');
  if (hosts.length === 0) p.push({ field: 'spec.hosts', message: 'at least one host is required' });
  const ports = readList(p, spec.ports, 'spec.ports', (item, path) => {
    const o = readObject(p, item, path, true);
    if (!o) return undefined;
    const number = readPort(p, o.number, `${path}.number`, true);
    const targetPort = readPort(p, o.targetPort, `${path}.targetPort`, false);
    if (number === undefined) return undefined;
    return {
      number,
      protocol: optString(p, o.protocol, `${path}.protocol`) ?? 'TCP',
      name: optString(p, o.name, `${path}.name`) ?? `port-${number}`,
      ...(targetPort !== undefined ? { targetPort } : {}),
    };
  });
  const resolution = readEnum(p, spec.resolution, 'spec.resolution', ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'] as const, 'NONE');
  const endpoints = readList(p, spec.endpoints, 'spec.endpoints', (item, path) => {
    const o = readObject(p, item, path, true);
    return o ? readWorkloadEntrySpec(p, o, path, resolution === 'STATIC') : undefined;
  });
  const workloadSelector = readWorkloadSelector(p, spec.workloadSelector);
  if (workloadSelector && endpoints.length > 0) p.push({ field: 'spec.workloadSelector', message: 'cannot be combined with spec.endpoints' });
  const addresses = readList(p, spec.addresses, 'spec.addresses', (item, path) => {
    const s = optString(p, item, path);
    if (s) checkIpOrCidr(p, s, path);
    return s;
  });
  return {
    hosts,
    addresses,
    ports,
    location: readEnum(p, spec.location, 'spec.location', ['MESH_EXTERNAL', 'MESH_INTERNAL'] as const, 'MESH_EXTERNAL'),
    resolution,
    endpoints,
    subjectAltNames: readStringList(p, spec.subjectAltNames, 'spec.subjectAltNames'),
    ...(workloadSelector ? { workloadSelector } : {}),
  };
}

const SOURCE_FIELDS = [
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks',
] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;

function readStringFields<F extends string>(p: Problems, o: RawObject, path: string, fields: readonly F[]): Partial<Record<F, string[]>> {
  checkKnownFields(p, o, path, fields);
  const out: Partial<Record<F, string[]>> = {};
  for (const f of fields) {
    const v = optStringList(p, o[f], `${path}.${f}`);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

const IP_SOURCE_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
const IDENTITY_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const;
/** `when` keys whose values are addresses or ports, checked like the matching source/operation fields. */
const IP_CONDITION_KEYS: ReadonlySet<string> = new Set(['source.ip', 'remote.ip', 'destination.ip']);
const PORT_CONDITION_KEYS: ReadonlySet<string> = new Set(['destination.port']);

function checkEach(values: readonly string[] | undefined, path: string, check: (s: string, at: string) => boolean): void {
  values?.forEach((v, i) => check(v, `${path}[${i}]`));
}

function readAuthzSource(p: Problems, src: RawObject, path: string): { source: AuthzSource } {
  const source = readStringFields(p, src, path, SOURCE_FIELDS);
  // As Istio's validation: an empty source would become an empty match, which matches nothing at ztunnel.
  if (SOURCE_FIELDS.every((f) => (source[f]?.length ?? 0) === 0)) p.push({ field: path, message: 'must not be empty (set at least one field)' });
  for (const f of IP_SOURCE_FIELDS) checkEach(source[f], `${path}.${f}`, (v, at) => checkIpOrCidr(p, v, at));
  const accounts = (source.serviceAccounts?.length ?? 0) + (source.notServiceAccounts?.length ?? 0);
  const identity = IDENTITY_SOURCE_FIELDS.filter((f) => (source[f]?.length ?? 0) > 0);
  if (accounts > 0 && identity.length > 0) {
    p.push({ field: `${path}.serviceAccounts`, message: `cannot be combined with ${identity.join(', ')} in the same source` });
  }
  for (const f of ['serviceAccounts', 'notServiceAccounts'] as const) {
    checkEach(source[f], `${path}.${f}`, (v, at) => {
      const ok = v !== '' && !v.includes('*') && v.split('/').length <= 2 && !v.split('/').includes('');
      if (!ok) p.push({ field: at, message: `"${v}" is not <namespace>/<serviceaccount> or <serviceaccount> (no wildcards)` });
      return ok;
    });
  }
  return { source };
}

function readAuthzRule(p: Problems, item: unknown, path: string): AuthzRule | undefined {
  const o = readObject(p, item, path, true);
  if (!o) return undefined;
  checkKnownFields(p, o, path, ['from', 'to', 'when']);
  const rule: { -readonly [K in keyof AuthzRule]: AuthzRule[K] } = {};
  if (o.from !== undefined) {
    rule.from = readList(p, o.from, `${path}.from`, (f, fp) => {
      const src = isObject(f) ? readObject(p, f.source, `${fp}.source`, true) : readObject(p, f, fp, true);
      return src ? readAuthzSource(p, src, `${fp}.source`) : undefined;
    });
  }
  if (o.to !== undefined) {
    rule.to = readList(p, o.to, `${path}.to`, (t, tp) => {
      const op = isObject(t) ? readObject(p, t.operation, `${tp}.operation`, true) : readObject(p, t, tp, true);
      if (!op) return undefined;
      const operation = readStringFields(p, op, `${tp}.operation`, OPERATION_FIELDS);
      if (OPERATION_FIELDS.every((f) => (operation[f]?.length ?? 0) === 0)) p.push({ field: `${tp}.operation`, message: 'must not be empty (set at least one field)' });
      for (const f of ['ports', 'notPorts'] as const) checkEach(operation[f], `${tp}.operation.${f}`, (v, at) => checkPortString(p, v, at));
      return { operation };
    });
  }
  if (o.when !== undefined) {
    rule.when = readList(p, o.when, `${path}.when`, (c, cp) => {
      const co = readObject(p, c, cp, true);
      if (!co) return undefined;
      const key = reqString(p, co.key, `${cp}.key`);
      const values = optStringList(p, co.values, `${cp}.values`);
      const notValues = optStringList(p, co.notValues, `${cp}.notValues`);
      if (!values?.length && !notValues?.length) p.push({ field: cp, message: 'one of values or notValues is required (non-empty)' });
      const check = IP_CONDITION_KEYS.has(key) ? checkIpOrCidr : PORT_CONDITION_KEYS.has(key) ? checkPortString : undefined;
      if (check) {
        checkEach(values, `${cp}.values`, (v, at) => check(p, v, at));
        checkEach(notValues, `${cp}.notValues`, (v, at) => check(p, v, at));
      }
      return { key, ...(values ? { values } : {}), ...(notValues ? { notValues } : {}) };
    });
  }
  return rule;
}

/** targetRef (deprecated single) and targetRefs, merged; at most one of selector / targetRef(s). */
function readTargetRefs(p: Problems, spec: RawObject, hasSelector: boolean): ObjectReference[] {
  const refs = readList(p, spec.targetRefs, 'spec.targetRefs', (item, path) => readObjectRef(p, item, path, { group: '', kind: '' }, true));
  if (spec.targetRef !== undefined) {
    if (spec.targetRefs !== undefined) p.push({ field: 'spec.targetRef', message: 'cannot be combined with spec.targetRefs' });
    const one = readObjectRef(p, spec.targetRef, 'spec.targetRef', { group: '', kind: '' }, true);
    if (one) refs.push(one);
  }
  if (hasSelector && refs.length > 0) p.push({ field: 'spec.selector', message: 'cannot be combined with targetRefs' });
  return refs;
}

export function validateAuthorizationPolicySpec(p: Problems, raw: RawObject): AuthorizationPolicySpec {
  const spec = readObject(p, raw.spec, 'spec') ?? {};
  checkKnownFields(p, spec, 'spec', ['selector', 'targetRef', 'targetRefs', 'action', 'provider', 'rules']);
  const selector = readSelector(p, spec.selector, 'spec.selector');
  const action = readEnum(p, spec.action, 'spec.action', ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const, 'ALLOW');
  const providerObj = spec.provider === undefined ? undefined : readObject(p, spec.provider, 'spec.provider');
  const provider = providerObj ? { name: reqString(p, providerObj.name, 'spec.provider.name') } : undefined;
  if (action === 'CUSTOM' && !provider) p.push({ field: 'spec.provider', message: 'required when action is CUSTOM' });
  if (action !== 'CUSTOM' && provider) p.push({ field: 'spec.provider', message: 'only allowed when action is CUSTOM' });
  const rules = spec.rules === undefined || spec.rules === null ? undefined : readList(p, spec.rules, 'spec.rules', (r, path) => readAuthzRule(p, r, path));
  return {
    targetRefs: readTargetRefs(p, spec, selector !== undefined),
    action,
    ...(selector ? { selector } : {}),
    ...(provider ? { provider } : {}),
    ...(rules ? { rules } : {}),
  };
}

function readJwtRule(p: Problems, item: unknown, path: string): JwtRule | undefined {
  const o = readObject(p, item, path, true);
  if (!o) return undefined;
  const jwks = optString(p, o.jwks, `${path}.jwks`);
  const jwksUri = optString(p, o.jwksUri, `${path}.jwksUri`);
  const out = optString(p, o.outputPayloadToHeader, `${path}.outputPayloadToHeader`);
  return {
    issuer: reqString(p, o.issuer, `${path}.issuer`),
    audiences: readStringList(p, o.audiences, `${path}.audiences`),
    fromHeaders: readList(p, o.fromHeaders, `${path}.fromHeaders`, (h, hp) => {
      const ho = readObject(p, h, hp, true);
      if (!ho) return undefined;
      const prefix = optString(p, ho.prefix, `${hp}.prefix`);
      return { name: reqString(p, ho.name, `${hp}.name`), ...(prefix !== undefined ? { prefix } : {}) };
    }),
    fromParams: readStringList(p, o.fromParams, `${path}.fromParams`),
    forwardOriginalToken: optBool(p, o.forwardOriginalToken, `${path}.forwardOriginalToken`, false),
    ...(jwks ? { jwks } : {}),
    ...(jwksUri ? { jwksUri } : {}),
    ...(out ? { outputPayloadToHeader: out } : {}),
  };
}

export function validateRequestAuthenticationSpec(p: Problems, raw: RawObject): RequestAuthenticationSpec {
  const spec = readObject(p, raw.spec, 'spec') ?? {};
  const selector = readSelector(p, spec.selector, 'spec.selector');
  return {
    targetRefs: readTargetRefs(p, spec, selector !== undefined),
    jwtRules: readList(p, spec.jwtRules, 'spec.jwtRules', (r, path) => readJwtRule(p, r, path)),
    ...(selector ? { selector } : {}),
  };
}
