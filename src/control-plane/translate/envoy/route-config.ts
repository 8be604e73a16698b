/**
 * The route configuration of one service port (`inbound-vip|<port>|http|<host>`): its GAMMA HTTPRoutes, else a
 * default route to the service itself. Shared by waypoints and proxyless gRPC clients.
 */
import type { MeshService, MeshServicePort, MeshSnapshot } from '../../../shared/model/mesh.js';
import { translateHttpRoutes, type BackendPort, type RouteProblem } from './http-route.js';
import { vipClusterName } from './names.js';
import { routesForPort } from './waypoint-view.js';

type Json = Record<string, unknown>;

export interface ServiceRouteConfig {
  readonly json: Json;
  readonly problems: readonly RouteProblem[];
  readonly backends: readonly BackendPort[];
}

export function serviceRouteConfig(mesh: MeshSnapshot, service: MeshService, port: MeshServicePort): ServiceRouteConfig {
  const name = vipClusterName('http', port.port, service.hostname);
  const attached = routesForPort(mesh, service, port.port);
  const translated = attached.length > 0 ? translateHttpRoutes(mesh, attached) : undefined;
  const routes = translated?.routes ?? [{ name: 'default', match: { prefix: '/' }, route: { cluster: name, timeout: '0s' } }];
  const json = { name, virtual_hosts: [{ name: `inbound|http|${port.port}`, domains: ['*'], routes }], validate_clusters: false };
  return { json, problems: translated?.problems ?? [], backends: translated?.backends ?? [] };
}
