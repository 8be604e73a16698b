/**
 * The ztunnel's view of the mesh, normalized from WDS (`istio.workload.Address`, `istio.security.Authorization`):
 * IPs as strings, defaults applied (trust domain `cluster.local`, service account `default`), enums as unions.
 */

/** Where a waypoint (or gateway) is reached: Istio's `GatewayAddress`. */
export type GatewayTarget =
  | { readonly kind: 'address'; readonly ip: string; readonly hbonePort: number }
  | { readonly kind: 'hostname'; readonly namespace: string; readonly hostname: string; readonly hbonePort: number };

/** Istio's `Port`: service port → target port. `targetPort` 0 means "same as service port". */
export interface PortMapping {
  readonly servicePort: number;
  readonly targetPort: number;
}

export interface ZWorkload {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly addresses: readonly string[];
  /** Kubernetes node name. */
  readonly node: string;
  /** HBONE dial address of the workload's node ztunnel (local mode); undefined when unknown. */
  readonly nodeAddress?: string;
  readonly trustDomain: string;
  readonly serviceAccount: string;
  /** `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  readonly identity: string;
  readonly network: string;
  readonly tunnel: 'NONE' | 'HBONE';
  readonly waypoint?: GatewayTarget;
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  readonly workloadName: string;
  /** Lowercase Istio WorkloadType: deployment | cronjob | pod | job. */
  readonly workloadType: string;
  readonly clusterId: string;
  /** Region/zone/subzone; absent = all ''. */
  readonly locality?: ZLocality;
  /** Relative weight among a service's endpoints (Istio's `capacity`); absent = 1, 0 = never picked. */
  readonly capacity?: number;
  /** Key `<namespace>/<hostname>` → port mappings of this workload for that service. */
  readonly services: Readonly<Record<string, readonly PortMapping[]>>;
  /** Names (`<ns>/<name>`) of selector-scoped policies that apply. */
  readonly authorizationPolicies: readonly string[];
  readonly healthy: boolean;
}

export interface ZLocality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface ZService {
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  /** `<namespace>/<hostname>`. */
  readonly key: string;
  readonly vips: readonly string[];
  readonly ports: readonly PortMapping[];
  readonly subjectAltNames: readonly string[];
  readonly waypoint?: GatewayTarget;
  /** Istio's `LoadBalancing`; undefined = any healthy endpoint, picked at random. */
  readonly loadBalancing?: LoadBalancing;
}

/** Scopes an endpoint can share with the client (Istio's `LoadBalancing.Scope`). */
export type LocalityScope = 'REGION' | 'ZONE' | 'SUBZONE' | 'NODE' | 'CLUSTER' | 'NETWORK';

export interface LoadBalancing {
  /** Scopes in order of importance. */
  readonly routingPreference: readonly LocalityScope[];
  /** STRICT: only endpoints sharing every scope; FAILOVER: prefer the longest shared prefix; PASSTHROUGH: the original IP. */
  readonly mode: 'UNSPECIFIED' | 'STRICT' | 'FAILOVER' | 'PASSTHROUGH';
  /** ALLOW_ALL: unhealthy (not ready) endpoints are candidates too. */
  readonly healthPolicy: 'ONLY_HEALTHY' | 'ALLOW_ALL';
}

export type StringMatch =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'presence' };

export interface Cidr {
  readonly ip: string;
  readonly length: number;
}

export interface ServiceAccountMatch {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Istio's `Match`: fields AND-ed, values inside a field OR-ed, `not*` = matches none. */
export interface PolicyMatch {
  readonly namespaces: readonly StringMatch[];
  readonly notNamespaces: readonly StringMatch[];
  readonly principals: readonly StringMatch[];
  readonly notPrincipals: readonly StringMatch[];
  readonly sourceIps: readonly Cidr[];
  readonly notSourceIps: readonly Cidr[];
  readonly destinationIps: readonly Cidr[];
  readonly notDestinationIps: readonly Cidr[];
  readonly destinationPorts: readonly number[];
  readonly notDestinationPorts: readonly number[];
  readonly serviceAccounts: readonly ServiceAccountMatch[];
  readonly notServiceAccounts: readonly ServiceAccountMatch[];
}

/** One clause: matches OR-ed. */
export type PolicyClause = readonly PolicyMatch[];
/** One rule (istiod "group"): clauses AND-ed. */
export type PolicyRule = readonly PolicyClause[];

export interface ZPolicy {
  readonly name: string;
  readonly namespace: string;
  /** `<namespace>/<name>`. */
  readonly key: string;
  readonly scope: 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR';
  readonly action: 'ALLOW' | 'DENY';
  /** Rules OR-ed. */
  readonly rules: readonly PolicyRule[];
  readonly dryRun: boolean;
}
