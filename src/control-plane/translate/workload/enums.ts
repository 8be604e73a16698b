/**
 * Numeric values of the istio.workload enums (proto/istio/workload.proto). Translators emit numbers so messages can
 * be encoded directly, without protobufjs' slower fromObject conversion; a unit test checks these against the proto.
 */
export const TunnelProtocol = { NONE: 0, HBONE: 1, LEGACY_ISTIO_MTLS: 2 } as const;
export const WorkloadStatus = { HEALTHY: 0, UNHEALTHY: 1 } as const;
export const WorkloadType = { DEPLOYMENT: 0, CRONJOB: 1, POD: 2, JOB: 3 } as const;
export const AppProtocol = { UNKNOWN: 0, HTTP11: 1, HTTP2: 2, GRPC: 3, TCP: 4, TLS: 5 } as const;
export const IPFamilies = { AUTOMATIC: 0, IPV4_ONLY: 1, IPV6_ONLY: 2, DUAL: 3 } as const;
