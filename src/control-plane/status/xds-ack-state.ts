/**
 * Reads the xDS server's `debug()` view (src/control-plane/xds/server.ts) for one waypoint: is its Envoy connected,
 * and where does its listener (LDS) subscription stand. Defensive about shape: debug data is not a typed contract.
 */
import { TYPE_URLS } from '../../shared/constants.js';

export type ListenerAckState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'pending'; readonly version?: string }
  | { readonly kind: 'acked'; readonly version: string }
  | { readonly kind: 'nacked'; readonly version: string; readonly message: string };

interface DebugType {
  readonly typeUrl?: string;
  readonly state?: string;
  readonly lastSentVersion?: string | null;
  readonly lastAckedVersion?: string | null;
  readonly lastNack?: { readonly message?: string; readonly version?: string } | null;
}
interface DebugClient {
  readonly proxyType?: string;
  readonly nodeId?: string;
  readonly caller?: { readonly kind?: string; readonly namespace?: string; readonly name?: string };
  readonly types?: readonly DebugType[];
}

function isWaypointClient(c: DebugClient, namespace: string, name: string): boolean {
  if (c.caller?.kind === 'waypoint') return c.caller.namespace === namespace && c.caller.name === name;
  // Unauthenticated (local-debug) streams: fall back to the node id `waypoint~<ip>~<name>.<ns>~...`.
  return c.proxyType === 'waypoint' && (c.nodeId ?? '').split('~')[2] === `${name}.${namespace}`;
}

/** LDS state of the waypoint's Envoy; `acked` only when the newest version sent was ACKed. */
export function listenerAckState(xdsDebug: unknown, waypointKey: string): ListenerAckState {
  const [namespace, name] = waypointKey.split('/') as [string, string];
  const clients = ((xdsDebug as { clients?: DebugClient[] } | undefined)?.clients ?? []).filter((c) => isWaypointClient(c, namespace, name));
  if (clients.length === 0) return { kind: 'disconnected' };
  let best: ListenerAckState = { kind: 'pending' };
  for (const c of clients) {
    const lds = c.types?.find((t) => t.typeUrl === TYPE_URLS.listener);
    if (!lds) continue;
    const sent = lds.lastSentVersion ?? undefined;
    if (lds.state === 'nacked' && lds.lastNack) return { kind: 'nacked', version: lds.lastNack.version ?? sent ?? '', message: lds.lastNack.message ?? '' };
    if (sent !== undefined && lds.lastAckedVersion === sent) best = { kind: 'acked', version: sent };
    else if (best.kind !== 'acked') best = sent !== undefined ? { kind: 'pending', version: sent } : { kind: 'pending' };
  }
  return best;
}
