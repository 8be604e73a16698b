/**
 * Who is on the other end of an ADS stream: the authenticated caller (from the CA's token store, injected as a
 * function) combined with the xDS Node message into the XdsClientInfo that generators see.
 */
import type * as grpc from '@grpc/grpc-js';
import type { XdsClientInfo } from './generator.js';
import { structToJson, type StructMessage } from '../../shared/xds/struct.js';

/** Result of authenticating a stream's metadata (src/control-plane/auth/ returns this shape). */
export type XdsCaller =
  | { readonly kind: 'node'; readonly node: string }
  | { readonly kind: 'waypoint'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'local-debug' };

export type XdsAuthenticate = (
  metadata: grpc.Metadata,
  call: grpc.ServerDuplexStream<unknown, unknown>,
) => XdsCaller | { readonly error: string } | Promise<XdsCaller | { readonly error: string }>;

/** Node as @grpc/proto-loader decodes envoy.config.core.v3.Node (keepCase, oneofs). */
export interface NodeMessage {
  readonly id?: string;
  readonly cluster?: string;
  readonly metadata?: StructMessage | null;
}

const PROXY_TYPES: Readonly<Record<string, XdsClientInfo['proxyType']>> = {
  ztunnel: 'ztunnel',
  waypoint: 'waypoint',
  router: 'waypoint',
  brain: 'brain',
};

export function clientInfo(caller: XdsCaller, node: NodeMessage | null | undefined): XdsClientInfo {
  const nodeId = node?.id ?? '';
  const first = nodeId.split('~', 1)[0] ?? '';
  const fromCaller = caller.kind === 'node' ? 'ztunnel' : caller.kind === 'waypoint' ? 'waypoint' : 'other';
  return {
    nodeId,
    proxyType: PROXY_TYPES[first] ?? fromCaller,
    ...(caller.kind === 'node' ? { nodeName: caller.node } : {}),
    ...(caller.kind === 'waypoint' ? { waypointKey: `${caller.namespace}/${caller.name}` } : {}),
    metadata: structToJson(node?.metadata),
  };
}
