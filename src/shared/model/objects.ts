/**
 * Kubernetes-style configuration objects after validation. Only the fields Ambit reads are typed; everything is
 * readonly plain data. Raw YAML is turned into these by the validator (src/shared/model/validate*.ts), which collects
 * every problem as `path: message` instead of throwing.
 */

export type Labels = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  /** Empty string for cluster-scoped kinds (Namespace, Node). */
  readonly namespace: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly uid?: string;
  readonly generation?: number;
}

/** Where an object came from: a file path in local mode, `kube:<resourceVersion>` from an API server. */
export interface ObjectOrigin {
  readonly source: string;
  /** Index of the YAML document inside a multi-document file. */
  readonly documentIndex?: number;
}

interface Base<K extends string, S> {
  readonly kind: K;
  readonly apiVersion: string;
  readonly metadata: ObjectMeta;
  readonly spec: S;
  readonly origin: ObjectOrigin;
}

export interface LabelSelector {
  readonly matchLabels: Labels;
}

export type NamespaceObject = Base<'Namespace', Record<string, never>>;

export interface NodeSpec {
  /** status.addresses[type=InternalIP].address: where this node's ztunnel binds in local mode. */
  readonly internalIP: string;
}
export type NodeObject = Base<'Node', NodeSpec>;

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}
export interface PodSpec {
  readonly nodeName: string;
  readonly serviceAccountName: string;
  /** status.podIP (and status.podIPs). Empty when not yet assigned. */
  readonly podIPs: readonly string[];
  readonly ports: readonly ContainerPort[];
  /** status.phase; Succeeded/Failed pods are not workloads. */
  readonly phase: string;
  /** Ready condition; absent means assumed ready in local mode. */
  readonly ready: boolean;
  readonly hostNetwork: boolean;
}
export type PodObject = Base<'Pod', PodSpec>;

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  /** Number, or a named container port. Defaults to `port`. */
  readonly targetPort: number | string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly appProtocol?: string;
}
export interface ServiceSpec {
  /** undefined = no selector (endpoints managed elsewhere). */
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
  /** spec.clusterIPs / spec.clusterIP; empty for headless ("None"). */
  readonly clusterIPs: readonly string[];
  readonly type: string;
  /** spec.internalTrafficPolicy; `Local` = only endpoints on the caller's node. */
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  /** spec.trafficDistribution (e.g. `PreferClose`). */
  readonly trafficDistribution?: string;
  /** spec.publishNotReadyAddresses: unready endpoints still receive traffic. */
  readonly publishNotReadyAddresses?: boolean;
}
export type ServiceObject = Base<'Service', ServiceSpec>;

export type ServiceAccountObject = Base<'ServiceAccount', Record<string, never>>;

export interface WorkloadEntrySpec {
  readonly address: string;
  readonly labels: Labels;
  readonly ports: Readonly<Record<string, number>>;
  readonly serviceAccount: string;
  readonly network: string;
  /** `region/zone/subzone` (trailing parts optional, later ones ignored, as istiod). */
  readonly locality?: string;
  /** Ambit local-mode extension: the Node whose ztunnel serves this entry (WorkloadEntry has no nodeName in Istio). */
  readonly nodeName?: string;
}
export type WorkloadEntryObject = Base<'WorkloadEntry', WorkloadEntrySpec>;

export interface ServiceEntryPort {
  readonly number: number;
  readonly protocol: string;
  readonly name: string;
  readonly targetPort?: number;
}
export interface ServiceEntrySpec {
  readonly hosts: readonly string[];
  readonly addresses: readonly string[];
  readonly ports: readonly ServiceEntryPort[];
  readonly location: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  readonly resolution: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  readonly endpoints: readonly WorkloadEntrySpec[];
  readonly workloadSelector?: LabelSelector;
  readonly subjectAltNames: readonly string[];
}
export type ServiceEntryObject = Base<'ServiceEntry', ServiceEntrySpec>;

export interface GatewayListener {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname?: string;
  readonly allowedRoutes?: { readonly namespaces?: { readonly from?: 'Same' | 'All' | 'Selector' } };
}
export interface GatewaySpec {
  readonly gatewayClassName: string;
  readonly listeners: readonly GatewayListener[];
  /** spec.addresses[].value — in local mode the waypoint's bind IP. */
  readonly addresses: readonly { readonly type: string; readonly value: string }[];
}
export type GatewayObject = Base<'Gateway', GatewaySpec>;

/** Gateway API parentRef / backendRef / targetRef, with group/kind defaults applied by the validator. */
export interface ObjectReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
  readonly sectionName?: string;
}

export interface HTTPPathMatch {
  readonly type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value: string;
}
export interface HTTPHeaderMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}
export interface HTTPRouteMatch {
  readonly path?: HTTPPathMatch;
  readonly headers: readonly HTTPHeaderMatch[];
  readonly queryParams: readonly HTTPHeaderMatch[];
  readonly method?: string;
}
export interface HTTPHeader {
  readonly name: string;
  readonly value: string;
}
export interface HTTPHeaderFilter {
  readonly set: readonly HTTPHeader[];
  readonly add: readonly HTTPHeader[];
  readonly remove: readonly string[];
}
export interface HTTPPathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
}
export type HTTPRouteFilter =
  | { readonly type: 'RequestHeaderModifier'; readonly requestHeaderModifier: HTTPHeaderFilter }
  | { readonly type: 'ResponseHeaderModifier'; readonly responseHeaderModifier: HTTPHeaderFilter }
  | {
      readonly type: 'RequestRedirect';
      readonly requestRedirect: {
        readonly scheme?: string;
        readonly hostname?: string;
        readonly path?: HTTPPathModifier;
        readonly port?: number;
        readonly statusCode: number;
      };
    }
  | { readonly type: 'URLRewrite'; readonly urlRewrite: { readonly hostname?: string; readonly path?: HTTPPathModifier } }
  | { readonly type: 'RequestMirror'; readonly requestMirror: { readonly backendRef: ObjectReference; readonly percent?: number } };

export interface HTTPBackendRef extends ObjectReference {
  /** Default 1, as Gateway API. */
  readonly weight: number;
  readonly filters: readonly HTTPRouteFilter[];
}
export interface HTTPRouteRetry {
  readonly codes: readonly number[];
  readonly attempts: number;
  /** Gateway API duration string, converted to ms. */
  readonly backoffMs?: number;
}
export interface HTTPRouteRule {
  readonly name?: string;
  readonly matches: readonly HTTPRouteMatch[];
  readonly filters: readonly HTTPRouteFilter[];
  readonly backendRefs: readonly HTTPBackendRef[];
  readonly timeouts?: { readonly requestMs?: number; readonly backendRequestMs?: number };
  readonly retry?: HTTPRouteRetry;
}
export interface HTTPRouteSpec {
  readonly parentRefs: readonly ObjectReference[];
  readonly hostnames: readonly string[];
  readonly rules: readonly HTTPRouteRule[];
}
export type HTTPRouteObject = Base<'HTTPRoute', HTTPRouteSpec>;

/** AuthorizationPolicy string lists keep Istio's field names (camelCase as in YAML). */
export interface AuthzSource {
  readonly principals?: readonly string[];
  readonly notPrincipals?: readonly string[];
  readonly requestPrincipals?: readonly string[];
  readonly notRequestPrincipals?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly notNamespaces?: readonly string[];
  readonly serviceAccounts?: readonly string[];
  readonly notServiceAccounts?: readonly string[];
  readonly ipBlocks?: readonly string[];
  readonly notIpBlocks?: readonly string[];
  readonly remoteIpBlocks?: readonly string[];
  readonly notRemoteIpBlocks?: readonly string[];
}
export interface AuthzOperation {
  readonly hosts?: readonly string[];
  readonly notHosts?: readonly string[];
  readonly ports?: readonly string[];
  readonly notPorts?: readonly string[];
  readonly methods?: readonly string[];
  readonly notMethods?: readonly string[];
  readonly paths?: readonly string[];
  readonly notPaths?: readonly string[];
}
export interface AuthzCondition {
  readonly key: string;
  readonly values?: readonly string[];
  readonly notValues?: readonly string[];
}
export interface AuthzRule {
  readonly from?: readonly { readonly source: AuthzSource }[];
  readonly to?: readonly { readonly operation: AuthzOperation }[];
  readonly when?: readonly AuthzCondition[];
}
export interface AuthorizationPolicySpec {
  readonly selector?: LabelSelector;
  readonly targetRefs: readonly ObjectReference[];
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  readonly provider?: { readonly name: string };
  /** undefined = no `rules` field at all (allow-nothing for ALLOW). */
  readonly rules?: readonly AuthzRule[];
}
export type AuthorizationPolicyObject = Base<'AuthorizationPolicy', AuthorizationPolicySpec>;

export interface JwtRule {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks?: string;
  readonly jwksUri?: string;
  readonly fromHeaders: readonly { readonly name: string; readonly prefix?: string }[];
  readonly fromParams: readonly string[];
  readonly forwardOriginalToken: boolean;
  readonly outputPayloadToHeader?: string;
}
export interface RequestAuthenticationSpec {
  readonly selector?: LabelSelector;
  readonly targetRefs: readonly ObjectReference[];
  readonly jwtRules: readonly JwtRule[];
}
export type RequestAuthenticationObject = Base<'RequestAuthentication', RequestAuthenticationSpec>;

export type ConfigObject =
  | NamespaceObject
  | NodeObject
  | PodObject
  | ServiceObject
  | ServiceAccountObject
  | WorkloadEntryObject
  | ServiceEntryObject
  | GatewayObject
  | HTTPRouteObject
  | AuthorizationPolicyObject
  | RequestAuthenticationObject;

export type ConfigKind = ConfigObject['kind'];

export const CONFIG_KINDS: readonly ConfigKind[] = [
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'ServiceAccount',
  'WorkloadEntry',
  'ServiceEntry',
  'Gateway',
  'HTTPRoute',
  'AuthorizationPolicy',
  'RequestAuthentication',
];

/** `Kind/namespace/name` (namespace empty for cluster-scoped kinds): the identity of an object in a config set. */
export type ObjectKey = string;
export function objectKey(kind: string, namespace: string, name: string): ObjectKey {
  return `${kind}/${namespace}/${name}`;
}

/** One rejected input, naming where it came from and which field is wrong. */
export interface ConfigError {
  /** File path (local mode) or API source. */
  readonly source: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Dotted path inside the object, e.g. `spec.ports[0].port`; absent for whole-document problems (bad YAML). */
  readonly field?: string;
  readonly message: string;
}

/** Renders an error as one operator-readable line: `file: Kind ns/name: field: message`. */
export function formatConfigError(e: ConfigError): string {
  const obj = e.kind ? ` ${e.kind} ${e.namespace ? e.namespace + '/' : ''}${e.name ?? '?'}:` : '';
  const field = e.field ? ` ${e.field}:` : '';
  return `${e.source}:${obj}${field} ${e.message}`;
}

/**
 * The accepted configuration at one moment: the valid objects (for a rejected edit, the last good version stays here)
 * plus every current error. Produced by a config source (directory watcher, Kubernetes informers), consumed by the
 * mesh model builder, which does not care where objects came from.
 */
export interface ConfigSnapshot {
  readonly revision: number;
  readonly objects: ReadonlyMap<ObjectKey, ConfigObject>;
  readonly errors: readonly ConfigError[];
  /** Unknown kinds seen (ignored with a notice). */
  readonly notices: readonly string[];
}

/** A source of configuration (local directory now, Kubernetes API later). */
export interface ConfigSource {
  /** Loads the initial set, then calls `onChange` for every later change (debounced by the source). */
  start(onChange: (snapshot: ConfigSnapshot) => void): Promise<ConfigSnapshot>;
  close(): Promise<void>;
}
