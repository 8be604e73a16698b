/**
 * What one waypoint serves, derived from the mesh: the service ports bound to it (each becomes filter chains on
 * main_internal), the HTTPRoutes attached to each port (GAMMA parentRefs to the Service), and every service port a
 * route sends to (each needs a VIP cluster, even for services not bound to this waypoint).
 */
import type { MeshHttpRoute, MeshService, MeshServicePort, MeshSnapshot, MeshWaypoint } from '../../../shared/model/mesh.js';

export type PortProtocol = 'http' | 'http2' | 'tcp' | 'unknown';

export interface ServicePortView {
  readonly service: MeshService;
  readonly port: MeshServicePort;
  readonly protocol: PortProtocol;
}

export interface WaypointView {
  readonly mesh: MeshSnapshot;
  readonly waypoint: MeshWaypoint;
  /** Bound service ports (TCP only; UDP is skipped as istiod does), services ordered by key. */
  readonly ports: readonly ServicePortView[];
}

const HTTP2_PROTOCOLS = new Set(['http2', 'grpc', 'grpc-web', 'h2c', 'kubernetes.io/h2c']);

/** Protocol of a service port from appProtocol, else Istio's port-name prefix convention (`http-`, `grpc-`, `tcp-`). */
export function portProtocol(port: MeshServicePort): PortProtocol {
  const declared = (port.appProtocol ?? port.name?.split('-')[0] ?? '').toLowerCase();
  if (declared === 'http' || declared === 'https-terminated') return 'http';
  if (HTTP2_PROTOCOLS.has(declared)) return 'http2';
  if (declared === 'tcp' || declared === 'tls' || declared === 'mongo' || declared === 'mysql' || declared === 'redis') return 'tcp';
  return 'unknown';
}

export function buildWaypointView(mesh: MeshSnapshot, waypoint: MeshWaypoint): WaypointView {
  const ports: ServicePortView[] = [];
  for (const key of [...waypoint.services].sort()) {
    const service = mesh.services.get(key);
    if (!service) continue;
    for (const port of service.ports) {
      if (port.protocol !== 'TCP') continue;
      ports.push({ service, port, protocol: portProtocol(port) });
    }
  }
  return { mesh, waypoint, ports };
}

/** HTTPRoutes whose parentRefs name this service (and this port, when the parentRef has one), ordered by key. */
export function routesForPort(mesh: MeshSnapshot, service: MeshService, port: number): MeshHttpRoute[] {
  const out: MeshHttpRoute[] = [];
  for (const route of mesh.httpRoutes.values()) {
    if (!route.parentServices.includes(service.key)) continue;
    const routeNs = route.object.metadata.namespace;
    const matches = route.object.spec.parentRefs.some(
      (ref) =>
        ref.kind === 'Service' &&
        ref.name === service.name &&
        (ref.namespace ?? routeNs) === service.namespace &&
        (ref.port === undefined || ref.port === port),
    );
    if (matches) out.push(route);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Finds a Service by name/namespace (Gateway API backendRef) in the mesh. */
export function findService(mesh: MeshSnapshot, namespace: string, name: string): MeshService | undefined {
  const hostname = `${name}.${namespace}.svc.${mesh.options.domainSuffix}`;
  return mesh.services.get(`${namespace}/${hostname}`);
}
