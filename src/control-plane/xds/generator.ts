/**
 * The contract between config translation ("what to send") and the xDS transport ("how to send").
 * Generators are pure: (mesh snapshot, client) → resources. No gRPC, no clock.
 */
import type { MeshSnapshot } from '../../shared/model/mesh.js';

/** A google.protobuf.Any as @grpc/proto-loader represents it (keepCase). */
export interface AnyMessage {
  readonly type_url: string;
  readonly value: Buffer;
}

/** One named xDS resource ready to send. `version` changes iff the encoded bytes change (e.g. a hash). */
export interface XdsResource {
  readonly name: string;
  readonly version: string;
  readonly resource: AnyMessage;
  readonly aliases?: readonly string[];
}

/** Who is asking, derived from the authenticated caller and the xDS Node message. */
export interface XdsClientInfo {
  /** Node.id as sent by the client (e.g. `ztunnel~127.0.0.11~ztunnel-node-a.istio-system~...`). */
  readonly nodeId: string;
  /** Proxy type, from the first `~` segment of the node id, else from the authenticated identity. */
  readonly proxyType: 'ztunnel' | 'waypoint' | 'brain' | 'other';
  /** Authenticated node name (ztunnel callers). */
  readonly nodeName?: string;
  /** Authenticated waypoint `<ns>/<name>` (waypoint Envoy and brain callers). */
  readonly waypointKey?: string;
  /** Node.metadata as plain JSON. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Produces all resources of one type for one client. */
export interface ResourceGenerator {
  readonly typeUrl: string;
  /**
   * Whether the output depends on the client. `false` lets the cache compute once per mesh version and share the
   * result among all clients (workload discovery is the same for every ztunnel).
   */
  readonly perClient: boolean;
  generate(mesh: MeshSnapshot, client: XdsClientInfo): ReadonlyMap<string, XdsResource>;
}
