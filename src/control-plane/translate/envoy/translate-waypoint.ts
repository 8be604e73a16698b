/**
 * Pure translation of the mesh into one waypoint's Envoy config (plain proto3-JSON objects, not yet validated), plus
 * the problems found on the way (for Gateway/HTTPRoute status).
 */
import { ANNOTATIONS } from '../../../shared/constants.js';
import type { MeshService, MeshServicePort, MeshSnapshot, MeshWaypoint } from '../../../shared/model/mesh.js';
import { brainCluster, connectOriginateCluster, mainInternalCluster, vipCluster } from './clusters.js';
import { loadAssignment } from './endpoints.js';
import { connectOriginateListener, connectTerminateListener, mainInternalListener } from './listeners.js';
import { vipClusterName } from './names.js';
import { serviceRouteConfig } from './route-config.js';
import { encapClusters, workloadChains } from './workload-chains.js';
import { buildWaypointView, portProtocol, routesForPort, type ServicePortView } from './waypoint-view.js';

type Json = Record<string, unknown>;

export interface WaypointProblem {
  readonly kind: 'Gateway' | 'HTTPRoute';
  /** `<ns>/<name>`. */
  readonly key: string;
  readonly reason: string;
  readonly message: string;
}

export interface WaypointConfig {
  readonly listeners: readonly Json[];
  readonly routes: readonly Json[];
  readonly clusters: readonly Json[];
  readonly endpoints: readonly Json[];
  readonly problems: readonly WaypointProblem[];
}

const EMPTY: Omit<WaypointConfig, 'problems'> = { listeners: [], routes: [], clusters: [], endpoints: [] };

export function translateWaypoint(mesh: MeshSnapshot, waypoint: MeshWaypoint): WaypointConfig {
  if (!waypoint.address) {
    return { ...EMPTY, problems: [{ kind: 'Gateway', key: waypoint.key, reason: 'AddressNotAssigned', message: 'spec.addresses[0].value is not set' }] };
  }
  const td = mesh.options.trustDomain;
  const view = buildWaypointView(mesh, waypoint);
  const problems: WaypointProblem[] = [];
  const routes: Json[] = [];
  const vip = new Map<string, { service: MeshService; port: MeshServicePort; json: Json }>();
  const addVip = (protocol: 'http' | 'tcp', service: MeshService, port: MeshServicePort): void => {
    const name = vipClusterName(protocol, port.port, service.hostname);
    if (!vip.has(name)) vip.set(name, { service, port, json: vipCluster(protocol, port.port, service.hostname, portProtocol(port)) });
  };
  for (const p of view.ports) {
    if (p.protocol !== 'tcp') {
      const rc = serviceRouteConfig(mesh, p.service, p.port);
      routes.push(rc.json);
      for (const pr of rc.problems) problems.push({ kind: 'HTTPRoute', key: pr.route, reason: pr.reason, message: pr.message });
      addVip('http', p.service, p.port);
      for (const b of rc.backends) addVip('http', b.service, b.port);
    }
    if (p.protocol === 'tcp' || p.protocol === 'unknown') addVip('tcp', p.service, p.port);
  }
  // Every HTTP-capable service port gets a cluster, referenced or not: an HTTPRoute edit then only changes RDS, and
  // no request races a cluster removal (SotW pushes CDS and RDS separately).
  for (const service of [...mesh.services.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    for (const port of service.ports) {
      if (port.protocol === 'TCP' && portProtocol(port) !== 'tcp') addVip('http', service, port);
    }
  }
  const listeners = [
    connectTerminateListener(waypoint.address, td),
    mainInternalListener(
      view.ports,
      {
        extAuthz: (p) => governedByL7Policy(mesh, waypoint, p),
        extProc: (p) => hasStickyRoute(mesh, p),
        onConflict: (message) => problems.push({ kind: 'Gateway', key: waypoint.key, reason: 'Conflicted', message }),
      },
      workloadChains(mesh, waypoint),
    ),
    connectOriginateListener(),
  ];
  const clusters = [
    mainInternalCluster(),
    connectOriginateCluster(td),
    brainCluster(waypoint.address),
    ...encapClusters(mesh, waypoint),
    ...[...vip.values()].map((v) => v.json),
  ];
  const endpoints = [...vip.entries()].map(([name, v]) => loadAssignment(name, mesh, v.service, v.port));
  return { listeners, routes, clusters, endpoints, problems };
}

/** An L7 AuthorizationPolicy enforced by this waypoint governs the service (no service list = all its services). */
function governedByL7Policy(mesh: MeshSnapshot, waypoint: MeshWaypoint, p: ServicePortView): boolean {
  for (const policy of mesh.policies.values()) {
    if (!policy.waypoints.includes(waypoint.key)) continue;
    if (policy.services.length === 0 || policy.services.includes(p.service.key)) return true;
  }
  return false;
}

function hasStickyRoute(mesh: MeshSnapshot, p: ServicePortView): boolean {
  return routesForPort(mesh, p.service, p.port.port).some((r) => r.object.metadata.annotations[ANNOTATIONS.stickyKey] !== undefined);
}
