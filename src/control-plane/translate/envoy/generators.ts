/**
 * The waypoint's xDS generators (LDS/RDS/CDS/EDS/SDS, `perClient: true`). Each resource is validated and encoded by
 * the shared Envoy resource builder; one that fails is left out and reported as a Gateway problem, so a translation
 * error never reaches Envoy. Translation is memoised per (mesh snapshot, waypoint) so the five generators share it.
 */
import { createHash } from 'node:crypto';
import { TYPE_URLS } from '../../../shared/constants.js';
import { createResourceBuilder, type ResourceBuilder } from '../../../shared/envoy/index.js';
import type { MeshSnapshot } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsClientInfo, XdsResource } from '../../xds/generator.js';
import { SECRET_DEFAULT, SECRET_ROOTCA } from './names.js';
import type { WaypointSecretStore } from './secret-store.js';
import { translateWaypoint, type WaypointProblem } from './translate-waypoint.js';

type Resources = ReadonlyMap<string, XdsResource>;

interface Built {
  readonly byType: ReadonlyMap<string, Resources>;
  readonly problems: readonly WaypointProblem[];
}

export interface WaypointGeneratorsConfig {
  /** SDS source; without it no SDS generator is produced. */
  readonly secrets?: Pick<WaypointSecretStore, 'get'>;
  readonly builder?: ResourceBuilder;
}

export interface WaypointGenerators {
  readonly generators: readonly ResourceGenerator[];
  /** Translation + validation problems of one waypoint at this mesh version (for status). */
  problems(mesh: MeshSnapshot, waypointKey: string): readonly WaypointProblem[];
}

const KINDS: readonly { typeUrl: string; message: string; field: 'listeners' | 'routes' | 'clusters' | 'endpoints'; nameOf: (o: Record<string, unknown>) => string }[] = [
  { typeUrl: TYPE_URLS.listener, message: 'envoy.config.listener.v3.Listener', field: 'listeners', nameOf: (o) => String(o.name) },
  { typeUrl: TYPE_URLS.routeConfiguration, message: 'envoy.config.route.v3.RouteConfiguration', field: 'routes', nameOf: (o) => String(o.name) },
  { typeUrl: TYPE_URLS.cluster, message: 'envoy.config.cluster.v3.Cluster', field: 'clusters', nameOf: (o) => String(o.name) },
  { typeUrl: TYPE_URLS.clusterLoadAssignment, message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', field: 'endpoints', nameOf: (o) => String(o.cluster_name) },
];

/** `<ns>/<name>` of the waypoint asking: the authenticated key, else the node id `waypoint~<ip>~<name>.<ns>~...`. */
export function waypointKeyOf(client: XdsClientInfo): string | undefined {
  if (client.waypointKey) return client.waypointKey;
  const parts = client.nodeId.split('~');
  if (parts[0] !== 'waypoint' || !parts[2]) return undefined;
  const dot = parts[2].lastIndexOf('.');
  return dot > 0 ? `${parts[2].slice(dot + 1)}/${parts[2].slice(0, dot)}` : undefined;
}

function versionOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export function createWaypointGenerators(config: WaypointGeneratorsConfig = {}): WaypointGenerators {
  const builder = config.builder ?? createResourceBuilder();
  const memo = new WeakMap<MeshSnapshot, Map<string, Built>>();

  const build = (mesh: MeshSnapshot, key: string): Built => {
    let perMesh = memo.get(mesh);
    if (!perMesh) memo.set(mesh, (perMesh = new Map()));
    const hit = perMesh.get(key);
    if (hit) return hit;
    const waypoint = mesh.waypoints.get(key);
    const built = waypoint ? buildAll(mesh, key) : { byType: new Map(), problems: [] };
    perMesh.set(key, built);
    return built;
  };

  const buildAll = (mesh: MeshSnapshot, key: string): Built => {
    const cfg = translateWaypoint(mesh, mesh.waypoints.get(key)!);
    const problems = [...cfg.problems];
    const byType = new Map<string, Resources>();
    for (const kind of KINDS) {
      const out = new Map<string, XdsResource>();
      for (const obj of cfg[kind.field]) {
        const name = kind.nameOf(obj);
        const r = builder.build(kind.message, obj);
        if (r.ok) out.set(name, { name, version: versionOf(r.any.value), resource: r.any });
        else problems.push({ kind: 'Gateway', key, reason: 'InvalidConfig', message: `${kind.field} ${name}: ${r.problems.join('; ')}` });
      }
      byType.set(kind.typeUrl, out);
    }
    return { byType, problems };
  };

  const generators: ResourceGenerator[] = KINDS.map((kind) => ({
    typeUrl: kind.typeUrl,
    perClient: true,
    generate(mesh: MeshSnapshot, client: XdsClientInfo): Resources {
      const key = waypointKeyOf(client);
      return (key && build(mesh, key).byType.get(kind.typeUrl)) || new Map();
    },
  }));
  if (config.secrets) generators.push(secretGenerator(config.secrets, builder));
  return { generators, problems: (mesh, key) => build(mesh, key).problems };
}

function secretGenerator(secrets: Pick<WaypointSecretStore, 'get'>, builder: ResourceBuilder): ResourceGenerator {
  return {
    typeUrl: TYPE_URLS.secret,
    perClient: true,
    generate(mesh, client) {
      const out = new Map<string, XdsResource>();
      // Private keys go only to a caller that authenticated as this waypoint (its bootstrap token), never to one that
      // merely claims it in its node id (e.g. an unauthenticated client of the loopback debug port).
      const key = client.waypointKey;
      const s = key && mesh.waypoints.has(key) ? secrets.get(key) : undefined;
      if (!s) return out;
      const objects = [
        { name: SECRET_DEFAULT, tls_certificate: { certificate_chain: { inline_string: s.certChainPem.join('') }, private_key: { inline_string: s.keyPem } } },
        { name: SECRET_ROOTCA, validation_context: { trusted_ca: { inline_string: s.rootsPem.join('') } } },
      ];
      for (const obj of objects) {
        const r = builder.build('envoy.extensions.transport_sockets.tls.v3.Secret', obj);
        if (r.ok) out.set(obj.name, { name: obj.name, version: versionOf(r.any.value), resource: r.any });
      }
      return out;
    },
  };
}
