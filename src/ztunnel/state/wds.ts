/**
 * Converts decoded WDS messages (keepCase plain objects from `src/shared/xds/wds-codec.ts`, shaped like Istio's
 * `istio.workload.Address` and `istio.security.Authorization`) into the ztunnel's normalized types. Problems come
 * back as values (`path: message`) so the xDS layer can NACK with all of them.
 */
import { DEFAULT_TRUST_DOMAIN, spiffeId } from '../../shared/constants.js';
import type {
  Cidr,
  GatewayTarget,
  LoadBalancing,
  LocalityScope,
  PolicyMatch,
  PolicyRule,
  PortMapping,
  ServiceAccountMatch,
  StringMatch,
  ZPolicy,
  ZService,
  ZWorkload,
} from './types.js';
import { bytesToIp } from './ip.js';

type Obj = Record<string, unknown>;
export type Converted<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Ambit extension on a Workload carrying its node's address (google.protobuf.StringValue). */
export const NODE_ADDRESS_EXTENSION = 'ambit.dev/node-address';

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);

/** Converts a decoded `istio.workload.Address` (oneof workload | service). */
export function convertAddress(address: unknown): Converted<{ kind: 'workload'; workload: ZWorkload } | { kind: 'service'; service: ZService }> {
  const a = obj(address);
  if (a.workload !== undefined && a.workload !== null) {
    const w = convertWorkload(a.workload);
    return w.ok ? { ok: true, value: { kind: 'workload', workload: w.value } } : w;
  }
  if (a.service !== undefined && a.service !== null) {
    const s = convertService(a.service);
    return s.ok ? { ok: true, value: { kind: 'service', service: s.value } } : s;
  }
  return { ok: false, error: 'Address: neither workload nor service is set' };
}

export function convertWorkload(input: unknown): Converted<ZWorkload> {
  const w = obj(input);
  const uid = str(w.uid);
  if (!uid) return { ok: false, error: 'Workload.uid: required' };
  const addresses: string[] = [];
  for (const [i, raw] of arr(w.addresses).entries()) {
    const ip = bytesToIp(raw);
    if (!ip) return { ok: false, error: `Workload ${uid}: addresses[${i}]: not a 4- or 16-byte IP` };
    addresses.push(ip);
  }
  const tunnel = str(w.tunnel_protocol) || 'NONE';
  if (tunnel !== 'NONE' && tunnel !== 'HBONE') return { ok: false, error: `Workload ${uid}: tunnel_protocol: ${tunnel} is not supported` };
  const waypoint = convertGateway(w.waypoint);
  if (typeof waypoint === 'string') return { ok: false, error: `Workload ${uid}: waypoint: ${waypoint}` };
  const namespace = str(w.namespace);
  const trustDomain = str(w.trust_domain) || DEFAULT_TRUST_DOMAIN;
  const serviceAccount = str(w.service_account) || 'default';
  const services: Record<string, PortMapping[]> = {};
  for (const [key, list] of Object.entries(obj(w.services))) services[key] = arr(obj(list).ports).map(convertPort);
  const nodeAddress = nodeAddressExtension(w.extensions);
  const loc = obj(w.locality);
  const locality = { region: str(loc.region), zone: str(loc.zone), subzone: str(loc.subzone) };
  // UInt32Value: unset decodes as null (keep Istio's default, 1); a set wrapper holding 0 is 0.
  const capacity = w.capacity === undefined || w.capacity === null ? undefined : Number(obj(w.capacity).value ?? 0);
  return {
    ok: true,
    value: {
      uid,
      name: str(w.name),
      namespace,
      addresses,
      node: str(w.node),
      ...(nodeAddress ? { nodeAddress } : {}),
      trustDomain,
      serviceAccount,
      identity: spiffeId(trustDomain, namespace, serviceAccount),
      network: str(w.network),
      tunnel,
      ...(waypoint ? { waypoint } : {}),
      canonicalName: str(w.canonical_name),
      canonicalRevision: str(w.canonical_revision),
      workloadName: str(w.workload_name),
      workloadType: (str(w.workload_type) || 'DEPLOYMENT').toLowerCase(),
      clusterId: str(w.cluster_id),
      ...(locality.region || locality.zone || locality.subzone ? { locality } : {}),
      ...(capacity !== undefined && capacity !== 1 ? { capacity } : {}),
      services,
      authorizationPolicies: arr(w.authorization_policies).map(str),
      healthy: (str(w.status) || 'HEALTHY') === 'HEALTHY',
    },
  };
}

export function convertService(input: unknown): Converted<ZService> {
  const s = obj(input);
  const namespace = str(s.namespace);
  const hostname = str(s.hostname);
  if (!hostname) return { ok: false, error: `Service ${namespace}/${str(s.name)}: hostname: required` };
  const vips: string[] = [];
  for (const [i, na] of arr(s.addresses).entries()) {
    const ip = bytesToIp(obj(na).address);
    if (!ip) return { ok: false, error: `Service ${namespace}/${hostname}: addresses[${i}]: not a 4- or 16-byte IP` };
    vips.push(ip);
  }
  const waypoint = convertGateway(s.waypoint);
  if (typeof waypoint === 'string') return { ok: false, error: `Service ${namespace}/${hostname}: waypoint: ${waypoint}` };
  const loadBalancing = convertLoadBalancing(s.load_balancing);
  if (typeof loadBalancing === 'string') return { ok: false, error: `Service ${namespace}/${hostname}: load_balancing.${loadBalancing}` };
  return {
    ok: true,
    value: {
      name: str(s.name),
      namespace,
      hostname,
      key: `${namespace}/${hostname}`,
      vips,
      ports: arr(s.ports).map(convertPort),
      subjectAltNames: arr(s.subject_alt_names).map(str),
      ...(waypoint ? { waypoint } : {}),
      ...(loadBalancing ? { loadBalancing } : {}),
    },
  };
}

const SCOPES: ReadonlySet<string> = new Set(['REGION', 'ZONE', 'SUBZONE', 'NODE', 'CLUSTER', 'NETWORK']);
const MODES: Readonly<Record<string, LoadBalancing['mode']>> = { UNSPECIFIED_MODE: 'UNSPECIFIED', STRICT: 'STRICT', FAILOVER: 'FAILOVER', PASSTHROUGH: 'PASSTHROUGH' };

/** `istio.workload.LoadBalancing` (enums arrive as names); an unknown value is an error, as ztunnel's strict try_from. */
function convertLoadBalancing(input: unknown): LoadBalancing | undefined | string {
  if (input === undefined || input === null) return undefined;
  const lb = obj(input);
  const routingPreference: LocalityScope[] = [];
  for (const [i, raw] of arr(lb.routing_preference).entries()) {
    const scope = str(raw);
    if (scope === 'UNSPECIFIED_SCOPE') continue;
    if (!SCOPES.has(scope)) return `routing_preference[${i}]: unknown scope ${String(raw)}`;
    routingPreference.push(scope as LocalityScope);
  }
  // The decoder gives enum values it does not know as numbers: those are unknown too, never a default.
  const mode = lb.mode === undefined || lb.mode === null ? 'UNSPECIFIED' : typeof lb.mode === 'string' ? MODES[lb.mode] : undefined;
  if (!mode) return `mode: unknown value ${String(lb.mode)}`;
  const health = lb.health_policy === undefined || lb.health_policy === null ? 'ONLY_HEALTHY' : lb.health_policy;
  if (health !== 'ONLY_HEALTHY' && health !== 'ALLOW_ALL') return `health_policy: unknown value ${String(lb.health_policy)}`;
  return { routingPreference, mode, healthPolicy: health };
}

function convertPort(p: unknown): PortMapping {
  const o = obj(p);
  return { servicePort: num(o.service_port), targetPort: num(o.target_port) };
}

/** undefined = not set; string = problem. */
function convertGateway(input: unknown): GatewayTarget | undefined | string {
  if (input === undefined || input === null) return undefined;
  const g = obj(input);
  const hbonePort = num(g.hbone_mtls_port) || 15008;
  if (g.address !== undefined && g.address !== null) {
    const ip = bytesToIp(obj(g.address).address);
    return ip ? { kind: 'address', ip, hbonePort } : 'address: not a 4- or 16-byte IP';
  }
  if (g.hostname !== undefined && g.hostname !== null) {
    const h = obj(g.hostname);
    return { kind: 'hostname', namespace: str(h.namespace), hostname: str(h.hostname), hbonePort };
  }
  return 'neither address nor hostname is set';
}

function nodeAddressExtension(extensions: unknown): string | undefined {
  for (const e of arr(extensions)) {
    const ext = obj(e);
    if (str(ext.name) !== NODE_ADDRESS_EXTENSION) continue;
    const value = obj(ext.config).value;
    if (!Buffer.isBuffer(value) && !(value instanceof Uint8Array)) return undefined;
    const buf = Buffer.from(value);
    // google.protobuf.StringValue: field 1 (tag 0x0a), length-delimited; lengths here are < 128.
    if (buf[0] !== 0x0a || buf.length < 2) return undefined;
    return buf.subarray(2, 2 + buf[1]!).toString('utf8');
  }
  return undefined;
}

/** Converts a decoded `istio.security.Authorization` (istiod names groups/rules/matches; ztunnel names rules/clauses). */
export function convertAuthorization(input: unknown): Converted<ZPolicy> {
  const p = obj(input);
  const name = str(p.name);
  const namespace = str(p.namespace);
  if (!name) return { ok: false, error: 'Authorization.name: required' };
  const scope = str(p.scope) || 'GLOBAL';
  const action = str(p.action) || 'ALLOW';
  if (scope !== 'GLOBAL' && scope !== 'NAMESPACE' && scope !== 'WORKLOAD_SELECTOR') {
    return { ok: false, error: `Authorization ${namespace}/${name}: scope: unknown value ${scope}` };
  }
  if (action !== 'ALLOW' && action !== 'DENY') return { ok: false, error: `Authorization ${namespace}/${name}: action: ${action} is not supported` };
  const groups = arr(p.groups ?? p.rules);
  const problems: string[] = [];
  const rules: PolicyRule[] = groups.map((g, gi) =>
    arr(obj(g).rules ?? obj(g).clauses).map((c, ci) =>
      arr(obj(c).matches).map((m, mi) => convertMatch(m, `groups[${gi}].rules[${ci}].matches[${mi}]`, problems)),
    ),
  );
  // A match that cannot be read is never narrowed or widened silently: the whole policy is NACKed.
  if (problems.length > 0) return { ok: false, error: `Authorization ${namespace}/${name}: ${problems.join('; ')}` };
  return { ok: true, value: { name, namespace, key: `${namespace}/${name}`, scope, action, rules, dryRun: p.dry_run === true } };
}

function convertMatch(input: unknown, path: string, problems: string[]): PolicyMatch {
  const m = obj(input);
  const cidrs = (field: string): Cidr[] =>
    arr(m[field]).flatMap((a, i) => {
      const c = cidr(a);
      if (typeof c === 'string') problems.push(`${path}.${field}[${i}]: ${c}`);
      return typeof c === 'string' ? [] : [c];
    });
  const ports = (field: string): number[] =>
    arr(m[field]).map((v, i) => {
      const port = num(v);
      if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`${path}.${field}[${i}]: ${String(v)} is not a port`);
      return port;
    });
  return {
    namespaces: arr(m.namespaces).flatMap(stringMatch),
    notNamespaces: arr(m.not_namespaces).flatMap(stringMatch),
    principals: arr(m.principals).flatMap(stringMatch),
    notPrincipals: arr(m.not_principals).flatMap(stringMatch),
    sourceIps: cidrs('source_ips'),
    notSourceIps: cidrs('not_source_ips'),
    destinationIps: cidrs('destination_ips'),
    notDestinationIps: cidrs('not_destination_ips'),
    destinationPorts: ports('destination_ports'),
    notDestinationPorts: ports('not_destination_ports'),
    serviceAccounts: arr(m.service_accounts).map(serviceAccount),
    notServiceAccounts: arr(m.not_service_accounts).map(serviceAccount),
  };
}

function stringMatch(input: unknown): StringMatch[] {
  const m = obj(input);
  if (typeof m.exact === 'string') return [{ kind: 'exact', value: m.exact }];
  if (typeof m.prefix === 'string') return [{ kind: 'prefix', value: m.prefix }];
  if (typeof m.suffix === 'string') return [{ kind: 'suffix', value: m.suffix }];
  if (m.presence !== undefined && m.presence !== null) return [{ kind: 'presence' }];
  return []; // Istio quirk: an empty StringMatch never matches, so it is dropped.
}

/** An `istio.workload.Address`-style CIDR. Length 0 is /0 (proto3 does not encode it; istiod sends 32/128 for hosts). */
function cidr(input: unknown): Cidr | string {
  const a = obj(input);
  const ip = bytesToIp(a.address);
  if (!ip) return 'address is not a 4- or 16-byte IP';
  const full = ip.includes(':') ? 128 : 32;
  const length = num(a.length);
  if (!Number.isInteger(length) || length < 0 || length > full) return `length ${String(a.length)} is not a prefix length of ${ip} (0-${full})`;
  return { ip, length };
}

function serviceAccount(input: unknown): ServiceAccountMatch {
  const o = obj(input);
  return { namespace: str(o.namespace), serviceAccount: str(o.serviceAccount ?? o.service_account) };
}
