/** Gateway / HTTPRoute status conditions, computed from the mesh, translation problems and xDS ACK state. */
export { condition, type Condition } from './conditions.js';
export { httpRouteStatus, httpRouteStatuses, type HttpRouteStatus, type RouteParentStatus } from './http-route-status.js';
export { waypointStatus, waypointStatuses, type StatusProblem, type WaypointStatus } from './waypoint-status.js';
export { listenerAckState, type ListenerAckState } from './xds-ack-state.js';
