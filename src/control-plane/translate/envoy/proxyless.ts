/**
 * Proxyless gRPC clients (`xds:///<hostname>:<port>`, e.g. @grpc/grpc-js-xds) consume the same route configurations
 * a waypoint uses, with an API listener per HTTP service port and direct (pod address) endpoints. Not per client.
 */
import { TYPE_URLS } from '../../../shared/constants.js';
import { createResourceBuilder, type ResourceBuilder } from '../../../shared/envoy/index.js';
import type { MeshSnapshot } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsResource } from '../../xds/generator.js';
import { vipCluster } from './clusters.js';
import { loadAssignment } from './endpoints.js';
import { ADS_CONFIG_SOURCE, typeUrl, vipClusterName } from './names.js';
import { serviceRouteConfig } from './route-config.js';
import { portProtocol } from './waypoint-view.js';
import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;

interface Built {
  readonly listeners: Json[];
  readonly routes: Json[];
  readonly clusters: Json[];
  readonly endpoints: Json[];
}

function translate(mesh: MeshSnapshot): Built {
  const out: Built = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (const service of [...mesh.services.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    for (const port of service.ports) {
      if (port.protocol !== 'TCP' || portProtocol(port) === 'tcp') continue;
      const name = vipClusterName('http', port.port, service.hostname);
      const hcm = {
        '@type': typeUrl('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
        stat_prefix: name,
        rds: { route_config_name: name, config_source: ADS_CONFIG_SOURCE },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': typeUrl('envoy.extensions.filters.http.router.v3.Router') } }],
      };
      out.listeners.push({ name: `${service.hostname}:${port.port}`, api_listener: { api_listener: hcm } });
      out.routes.push(serviceRouteConfig(mesh, service, port).json);
      out.clusters.push(vipCluster('http', port.port, service.hostname, portProtocol(port), 'direct'));
      out.endpoints.push(loadAssignment(name, mesh, service, port, 'direct'));
    }
  }
  return out;
}

const KINDS = [
  { typeUrl: TYPE_URLS.listener, message: 'envoy.config.listener.v3.Listener', field: 'listeners', key: 'name' },
  { typeUrl: TYPE_URLS.routeConfiguration, message: 'envoy.config.route.v3.RouteConfiguration', field: 'routes', key: 'name' },
  { typeUrl: TYPE_URLS.cluster, message: 'envoy.config.cluster.v3.Cluster', field: 'clusters', key: 'name' },
  { typeUrl: TYPE_URLS.clusterLoadAssignment, message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', field: 'endpoints', key: 'cluster_name' },
] as const;

/** LDS/RDS/CDS/EDS generators for proxyless gRPC clients (shared by all of them). */
export function createProxylessGenerators(builder: ResourceBuilder = createResourceBuilder()): ResourceGenerator[] {
  const memo = new WeakMap<MeshSnapshot, Built>();
  const built = (mesh: MeshSnapshot): Built => {
    let b = memo.get(mesh);
    if (!b) memo.set(mesh, (b = translate(mesh)));
    return b;
  };
  return KINDS.map((kind) => ({
    typeUrl: kind.typeUrl,
    perClient: false,
    generate(mesh: MeshSnapshot): ReadonlyMap<string, XdsResource> {
      const out = new Map<string, XdsResource>();
      for (const obj of built(mesh)[kind.field]) {
        const name = String(obj[kind.key]);
        const r = builder.build(kind.message, obj);
        if (r.ok) out.set(name, { name, version: createHash('sha256').update(r.any.value).digest('hex').slice(0, 16), resource: r.any });
      }
      return out;
    },
  }));
}
