/**
 * Raw parsed YAML document → validated ConfigObject, or every problem found (each naming source, kind, namespace/name
 * and field). Unknown kinds are ignored with a notice. Defaults are applied here so consumers never re-default.
 */
import { objectKey, type ConfigError, type ConfigKind, type ConfigObject, type ObjectKey, type ObjectMeta, type ObjectOrigin } from './objects.js';
import { validateEmptySpec, validateNodeSpec, validatePodSpec, validateServiceSpec } from './validate-core.js';
import { validateGatewaySpec, validateHTTPRouteSpec } from './validate-gateway.js';
import {
  validateAuthorizationPolicySpec,
  validateRequestAuthenticationSpec,
  validateServiceEntrySpec,
  validateWorkloadEntrySpec,
} from './validate-istio.js';
import { checkDnsName, describe, isObject, optString, readStringMap, type Problems, type RawObject } from './validate-fields.js';

export type ValidationResult =
  | { readonly outcome: 'valid'; readonly object: ConfigObject }
  /** `key` is set when kind and name could be read, so a source can keep that object's last good version. */
  | { readonly outcome: 'invalid'; readonly errors: readonly ConfigError[]; readonly key?: ObjectKey }
  | { readonly outcome: 'ignored'; readonly notice: string };

interface KindInfo {
  readonly group: string;
  readonly versions: readonly string[];
  readonly namespaced: boolean;
  readonly spec: (p: Problems, raw: RawObject) => unknown;
}

const KINDS: Readonly<Record<ConfigKind, KindInfo>> = {
  Namespace: { group: '', versions: ['v1'], namespaced: false, spec: validateEmptySpec },
  Node: { group: '', versions: ['v1'], namespaced: false, spec: validateNodeSpec },
  Pod: { group: '', versions: ['v1'], namespaced: true, spec: validatePodSpec },
  Service: { group: '', versions: ['v1'], namespaced: true, spec: validateServiceSpec },
  ServiceAccount: { group: '', versions: ['v1'], namespaced: true, spec: validateEmptySpec },
  WorkloadEntry: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], namespaced: true, spec: validateWorkloadEntrySpec },
  ServiceEntry: { group: 'networking.istio.io', versions: ['v1', 'v1beta1', 'v1alpha3'], namespaced: true, spec: validateServiceEntrySpec },
  Gateway: { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], namespaced: true, spec: validateGatewaySpec },
  HTTPRoute: { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], namespaced: true, spec: validateHTTPRouteSpec },
  AuthorizationPolicy: { group: 'security.istio.io', versions: ['v1', 'v1beta1'], namespaced: true, spec: validateAuthorizationPolicySpec },
  RequestAuthentication: { group: 'security.istio.io', versions: ['v1', 'v1beta1'], namespaced: true, spec: validateRequestAuthenticationSpec },
};

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function readMeta(p: Problems, raw: RawObject, namespaced: boolean): ObjectMeta {
  const m = isObject(raw.metadata) ? raw.metadata : {};
  if (!isObject(raw.metadata)) p.push({ field: 'metadata', message: raw.metadata === undefined ? 'required field is missing' : `expected an object, got ${describe(raw.metadata)}` });
  const name = optString(p, m.name, 'metadata.name') ?? '';
  if (!name) p.push({ field: 'metadata.name', message: 'required field is missing' });
  checkDnsName(p, name, 'metadata.name');
  const nsRaw = optString(p, m.namespace, 'metadata.namespace');
  if (!namespaced && nsRaw) p.push({ field: 'metadata.namespace', message: 'must be empty: this kind is cluster-scoped' });
  const namespace = namespaced ? nsRaw || 'default' : '';
  checkDnsName(p, namespace, 'metadata.namespace');
  const uid = optString(p, m.uid, 'metadata.uid');
  const generation = typeof m.generation === 'number' ? m.generation : undefined;
  return {
    name,
    namespace,
    labels: readStringMap(p, m.labels, 'metadata.labels', true),
    annotations: readStringMap(p, m.annotations, 'metadata.annotations', false),
    ...(uid ? { uid } : {}),
    ...(generation !== undefined ? { generation } : {}),
  };
}

/** Validates one document from `origin` (file path + document index). */
export function validateDocument(raw: unknown, origin: ObjectOrigin): ValidationResult {
  const source = origin.source;
  if (!isObject(raw)) {
    return { outcome: 'invalid', errors: [{ source, message: `document ${origin.documentIndex ?? 0}: expected a Kubernetes object, got ${describe(raw)}` }] };
  }
  const kind = raw.kind;
  const apiVersion = raw.apiVersion;
  if (typeof kind !== 'string' || kind === '') return { outcome: 'invalid', errors: [{ source, field: 'kind', message: 'required field is missing' }] };
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const id = { source, kind, ...(typeof meta.name === 'string' ? { name: meta.name } : {}) };
  if (typeof apiVersion !== 'string' || apiVersion === '') return { outcome: 'invalid', errors: [{ ...id, field: 'apiVersion', message: 'required field is missing' }] };
  const info = Object.hasOwn(KINDS, kind) ? KINDS[kind as ConfigKind] : undefined;
  const { group, version } = splitApiVersion(apiVersion);
  if (!info || info.group !== group) {
    return { outcome: 'ignored', notice: `${source}: ignoring unsupported kind ${kind} (${apiVersion})${typeof meta.name === 'string' ? ` ${meta.name}` : ''}` };
  }
  const p: Problems = [];
  if (!info.versions.includes(version)) p.push({ field: 'apiVersion', message: `version ${version} of ${group || 'core'} is not supported (use ${info.versions.join(' or ')})` });
  const metadata = readMeta(p, raw, info.namespaced);
  const spec = info.spec(p, raw);
  const key = metadata.name ? objectKey(kind, metadata.namespace, metadata.name) : undefined;
  if (p.length > 0) {
    const errors = p.map((e) => ({ source, kind, namespace: metadata.namespace, name: metadata.name || '?', field: e.field, message: e.message }));
    return { outcome: 'invalid', errors, ...(key ? { key } : {}) };
  }
  const object = { kind, apiVersion, metadata, spec, origin } as ConfigObject;
  return { outcome: 'valid', object };
}
