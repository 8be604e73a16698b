/**
 * Numeric values of the istio.workload enums (proto/istio/workload.proto). Translators emit numbers so messages can
 * be encoded directly, without protobufjs' slower fromObject conversion; a unit test checks these against the proto.
 */
export const TunnelProtocol = { NONE: 0, HBONE: 1, LEGACY_ISTIO_MTLS: 2 } as const;
export const WorkloadStatus = { HEALTHY: 0, UNHEALTHY: 1 } as const;
export const WorkloadType = { DEPLOYMENT: 0, CRONJOB: 1, POD: 2, JOB: 3 } as const;
export const AppProtocol = { UNKNOWN: 0, HTTP11: 1, HTTP2: 2, GRPC: 3, TCP: 4, TLS: 5 } as const;
export const IPFamilies = { AUTOMATIC: 0, IPV4_ONLY: 1, IPV6_ONLY: 2, DUAL: 3 } as const;
/** Nested enums of `LoadBalancing`, named as protobuf's generated code names them (`Outer_Inner`). */
export const LoadBalancing_Scope = { UNSPECIFIED_SCOPE: 0, REGION: 1, ZONE: 2, SUBZONE: 3, NODE: 4, CLUSTER: 5, NETWORK: 6 } as const;
export const LoadBalancing_Mode = { UNSPECIFIED_MODE: 0, STRICT: 1, FAILOVER: 2, PASSTHROUGH: 3 } as const;
export const LoadBalancing_HealthPolicy = { ONLY_HEALTHY: 0, ALLOW_ALL: 1 } as const;
