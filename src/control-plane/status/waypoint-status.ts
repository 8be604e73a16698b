/**
 * Status of waypoint Gateways: Accepted (the Gateway is a valid waypoint), Programmed (its Envoy ACKed the listeners
 * generated for the current mesh, with no translation error) and its address, for `/debug/waypoints`.
 */
import type { MeshSnapshot, MeshWaypoint } from '../../shared/model/mesh.js';
import { condition, type Condition } from './conditions.js';
import { listenerAckState, type ListenerAckState } from './xds-ack-state.js';

/** Translation problem as reported by the waypoint generators (`WaypointGenerators.problems`). */
export interface StatusProblem {
  readonly kind: 'Gateway' | 'HTTPRoute';
  readonly key: string;
  readonly reason: string;
  readonly message: string;
}

export interface WaypointStatus {
  /** `<ns>/<name>`. */
  readonly key: string;
  readonly addresses: readonly { readonly type: 'IPAddress'; readonly value: string }[];
  readonly conditions: readonly Condition[];
  readonly envoy: ListenerAckState;
  readonly services: readonly string[];
  /** Every translation problem of this waypoint (including ones that do not block Programmed, e.g. `Conflicted`). */
  readonly problems: readonly string[];
}

/** Problems that mean the waypoint is not (fully) programmed; others (e.g. `Conflicted`) are reported only. */
const BLOCKING = new Set(['InvalidConfig', 'AddressNotAssigned']);

export function waypointStatus(waypoint: MeshWaypoint, problems: readonly StatusProblem[], xdsDebug: unknown): WaypointStatus {
  const accepted =
    waypoint.problems.length === 0
      ? condition('Accepted', true, 'Accepted', 'Gateway is a valid istio-waypoint')
      : condition('Accepted', false, 'Invalid', waypoint.problems.join('; '));
  const envoy = listenerAckState(xdsDebug, waypoint.key);
  return {
    key: waypoint.key,
    addresses: waypoint.address ? [{ type: 'IPAddress', value: waypoint.address }] : [],
    conditions: [accepted, programmed(waypoint, problems, envoy)],
    envoy,
    services: waypoint.services,
    problems: problems.filter((p) => p.kind === 'Gateway').map((p) => `${p.reason}: ${p.message}`),
  };
}

function programmed(waypoint: MeshWaypoint, problems: readonly StatusProblem[], envoy: ListenerAckState): Condition {
  if (!waypoint.address) return condition('Programmed', false, 'AddressNotAssigned', 'spec.addresses[0].value is not set');
  const own = problems.filter((p) => p.kind === 'Gateway' && BLOCKING.has(p.reason));
  if (own.length > 0) return condition('Programmed', false, 'Invalid', own.map((p) => p.message).join('; '));
  switch (envoy.kind) {
    case 'disconnected':
      return condition('Programmed', false, 'Pending', "waiting for the waypoint's Envoy to connect to xDS");
    case 'pending':
      return condition('Programmed', false, 'Pending', `waiting for Envoy to ACK listeners${envoy.version ? ` version ${envoy.version}` : ''}`);
    case 'nacked':
      return condition('Programmed', false, 'Invalid', `Envoy rejected listeners version ${envoy.version}: ${envoy.message}`);
    case 'acked':
      return condition('Programmed', true, 'Programmed', `Envoy ACKed listeners version ${envoy.version}`);
  }
}

/** Status of every waypoint in the mesh, ordered by key. */
export function waypointStatuses(mesh: MeshSnapshot, problemsOf: (waypointKey: string) => readonly StatusProblem[], xdsDebug: unknown): WaypointStatus[] {
  return [...mesh.waypoints.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((w) => waypointStatus(w, problemsOf(w.key), xdsDebug));
}
