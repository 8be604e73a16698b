/**
 * The mesh model: what the control plane derives from a ConfigSnapshot with Istio's ambient rules, and what every
 * translator (workload discovery, authorization, Envoy config, brain policies) reads. Plain readonly data; built by a
 * pure function (`buildMesh` in build-mesh.ts), so it can be unit-tested and diffed between versions.
 */
import type {
  AuthorizationPolicyObject,
  HTTPRouteObject,
  Labels,
  RequestAuthenticationObject,
  ServicePort,
} from './objects.js';

export interface MeshOptions {
  /** Default `cluster.local`. */
  readonly trustDomain: string;
  /** Namespace whose unscoped policies are mesh-wide. Default `istio-system`. */
  readonly rootNamespace: string;
  /** Default `Kubernetes`. */
  readonly clusterId: string;
  /** DNS domain suffix of service hostnames, default `cluster.local`. */
  readonly domainSuffix: string;
}

export interface MeshNode {
  readonly name: string;
  /** InternalIP: where this node's ztunnel binds (HBONE :15008, SOCKS5 :15080, plaintext :15006). */
  readonly address: string;
}

/** Which waypoint serves a service or workload. */
export interface WaypointRef {
  readonly namespace: string;
  readonly name: string;
  /** Waypoint's address (its HBONE listener IP). Undefined while the Gateway has no address (not yet usable). */
  readonly address?: string;
  /** Always 15008, as istiod. */
  readonly hbonePort: number;
}

export type WaypointFor = 'service' | 'workload' | 'all' | 'none';

/** port mapping of a workload for one service: service port → target port on this workload. */
export interface WorkloadPort {
  readonly servicePort: number;
  readonly targetPort: number;
  readonly appProtocol?: string;
}

export interface Workload {
  /** `<clusterId>//Pod/<ns>/<name>` or `<clusterId>/networking.istio.io/WorkloadEntry/<ns>/<name>`. */
  readonly uid: string;
  readonly kind: 'Pod' | 'WorkloadEntry' | 'ServiceEntryEndpoint';
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly addresses: readonly string[];
  /** Node name (spec.nodeName); '' when unknown. */
  readonly node: string;
  /** That node's InternalIP, when the Node object exists. HBONE to this workload dials `<nodeAddress>:15008`. */
  readonly nodeAddress?: string;
  readonly serviceAccount: string;
  /** `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  readonly identity: string;
  readonly trustDomain: string;
  readonly network: string;
  /** Enrolled in ambient (captured, HBONE); false = plaintext workload (`istio.io/dataplane-mode` missing/none). */
  readonly captured: boolean;
  readonly waypoint?: WaypointRef;
  readonly healthy: boolean;
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  /** Owner name, e.g. Deployment; in local mode the `app` label or pod name. */
  readonly workloadName: string;
  /** Services this workload backs, key `<namespace>/<hostname>`, with port mappings. */
  readonly services: Readonly<Record<string, readonly WorkloadPort[]>>;
  /** Keys (`<ns>/<name>`) of selector-scoped AuthorizationPolicies that select this workload (sent in WDS). */
  readonly selectorPolicies: readonly string[];
  /** Set when this workload is itself a waypoint (pod of a waypoint Gateway): `<ns>/<gateway>`. */
  readonly waypointFor?: string;
  /** Where the workload runs (its Node's topology labels; WorkloadEntry / ServiceEntry endpoint `locality`). */
  readonly locality?: Locality;
}

/** Istio's `istio.workload.Locality`; a missing part is ''. */
export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface MeshServicePort extends ServicePort {
  /** Resolved numeric target when `targetPort` is a number; named ports resolve per workload (see Workload.services). */
  readonly numericTargetPort?: number;
}

/** Service load balancing as istiod sends it in WDS (`istio.workload.LoadBalancing`), enum names as strings. */
export interface MeshLoadBalancing {
  /** Scope names: NETWORK, REGION, ZONE, SUBZONE, NODE, CLUSTER. */
  readonly routingPreference: readonly string[];
  /** STRICT, FAILOVER, PASSTHROUGH; undefined = UNSPECIFIED_MODE. */
  readonly mode?: 'STRICT' | 'FAILOVER' | 'PASSTHROUGH';
  /** ALLOW_ALL when not-ready endpoints are published; undefined = ONLY_HEALTHY. */
  readonly healthPolicy?: 'ALLOW_ALL';
}

export interface MeshService {
  readonly kind: 'Service' | 'ServiceEntry';
  readonly name: string;
  readonly namespace: string;
  /** `<name>.<ns>.svc.<domainSuffix>` for Services; the host for ServiceEntries (one MeshService per host). */
  readonly hostname: string;
  /** Key `<namespace>/<hostname>`, as Istio's WDS resource name. */
  readonly key: string;
  readonly vips: readonly string[];
  readonly ports: readonly MeshServicePort[];
  readonly labels: Labels;
  /** Endpoint workload uids, ordered. */
  readonly endpoints: readonly string[];
  readonly waypoint?: WaypointRef;
  readonly subjectAltNames: readonly string[];
  /**
   * internalTrafficPolicy Local → STRICT [NODE]; trafficDistribution (spec, else annotation
   * `networking.istio.io/traffic-distribution` on the Service, then its Namespace) PreferClose/PreferSameZone →
   * FAILOVER [NETWORK, REGION, ZONE], PreferSameNode → FAILOVER [..., SUBZONE, NODE]; publishNotReadyAddresses →
   * ALLOW_ALL; ServiceEntry resolution NONE → PASSTHROUGH + ALLOW_ALL. Undefined = none (istiod leaves it unset).
   */
  readonly loadBalancing?: MeshLoadBalancing;
  /** Label `istio.io/ingress-use-waypoint=true` on the Service (or ServiceEntry), else its Namespace. */
  readonly ingressUseWaypoint?: boolean;
}

export interface MeshWaypoint {
  readonly name: string;
  readonly namespace: string;
  /** `<ns>/<name>`. */
  readonly key: string;
  /** spec.addresses[0].value; undefined until assigned. */
  readonly address?: string;
  readonly for: WaypointFor;
  /** ServiceAccount of the waypoint = Gateway name (istiod's default). */
  readonly serviceAccount: string;
  readonly identity: string;
  /** Services (keys) bound to this waypoint. */
  readonly services: readonly string[];
  /** Workloads (uids) bound to this waypoint. */
  readonly workloads: readonly string[];
  /** Validation problems with the Gateway (e.g. no HBONE listener on 15008); empty when Accepted. */
  readonly problems: readonly string[];
  readonly annotations: Labels;
}

/** How an AuthorizationPolicy attaches. */
export type PolicyScope =
  | { readonly kind: 'global' }
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'selector'; readonly namespace: string; readonly matchLabels: Labels }
  | { readonly kind: 'targetRefs'; readonly namespace: string; readonly refs: readonly { readonly kind: string; readonly group: string; readonly name: string }[] };

export interface MeshPolicy {
  /** `<ns>/<name>`. */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  readonly scope: PolicyScope;
  readonly dryRun: boolean;
  readonly object: AuthorizationPolicyObject;
  /** Workload uids this policy is enforced on by ztunnel (global/namespace/selector scope). */
  readonly workloads: readonly string[];
  /** Waypoint keys that enforce it (targetRefs to a Gateway, a Service bound to a waypoint, or the GatewayClass). */
  readonly waypoints: readonly string[];
  /** For targetRefs to Services: service keys (`<ns>/<hostname>`) whose waypoint traffic it governs; empty = all. */
  readonly services: readonly string[];
}

export interface MeshRequestAuthentication {
  readonly key: string;
  readonly object: RequestAuthenticationObject;
  readonly waypoints: readonly string[];
  readonly services: readonly string[];
}

export interface MeshHttpRoute {
  readonly key: string;
  readonly object: HTTPRouteObject;
  /** Service keys (`<ns>/<hostname>`) named as parents (GAMMA). */
  readonly parentServices: readonly string[];
}

/** The whole model at one version. */
export interface MeshSnapshot {
  /** Increases with every rebuild. */
  readonly version: number;
  readonly options: MeshOptions;
  readonly nodes: ReadonlyMap<string, MeshNode>;
  /** By uid. */
  readonly workloads: ReadonlyMap<string, Workload>;
  /** By `<ns>/<hostname>`. */
  readonly services: ReadonlyMap<string, MeshService>;
  /** By `<ns>/<name>`. */
  readonly waypoints: ReadonlyMap<string, MeshWaypoint>;
  /** By `<ns>/<name>`. */
  readonly policies: ReadonlyMap<string, MeshPolicy>;
  readonly requestAuthentications: ReadonlyMap<string, MeshRequestAuthentication>;
  readonly httpRoutes: ReadonlyMap<string, MeshHttpRoute>;
  /** Namespace labels, by namespace name. */
  readonly namespaces: ReadonlyMap<string, Labels>;
}
