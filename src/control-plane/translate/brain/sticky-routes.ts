/**
 * Brain resources for sticky canary routing: HTTPRoutes annotated `ambit.dev/sticky-key: header:<name>|cookie:<name>`
 * attached (GAMMA parentRefs) to services bound to this waypoint. The backends are those of the first rule with a
 * weighted split (two or more backendRefs); the waypoint Envoy has one route per backendRef name matching
 * `x-ambit-backend`. Also the per-waypoint BrainSettings (debug mode from the Gateway's `ambit.dev/debug`).
 */
import { ANNOTATIONS } from '../../../shared/constants.js';
import {
  BRAIN_TYPE_URLS,
  encodeBrainSettings,
  encodeStickyRoute,
  type StickyRouteInput,
} from '../../../shared/authz/wire.js';
import type { MeshHttpRoute, MeshSnapshot, MeshWaypoint } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsClientInfo, XdsResource } from '../../xds/generator.js';
import { makeResource } from '../../xds/resource.js';
import { brainWaypoint } from './policies.js';

/** Parses `header:<name>`, `cookie:<name>` or a bare header name; undefined when malformed. */
export function parseStickyKey(value: string | undefined): StickyRouteInput['key'] | undefined {
  const v = value?.trim() ?? '';
  const m = /^(header|cookie):(.+)$/.exec(v);
  if (m) return { kind: m[1] as 'header' | 'cookie', name: m[2]! };
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v) ? { kind: 'header', name: v } : undefined;
}

export function stickyRouteInput(route: MeshHttpRoute, services: readonly string[]): StickyRouteInput | undefined {
  const key = parseStickyKey(route.object.metadata.annotations[ANNOTATIONS.stickyKey]);
  if (!key) return undefined;
  const rule = route.object.spec.rules.find((r) => r.backendRefs.length >= 2);
  if (!rule) return undefined;
  return {
    namespace: route.object.metadata.namespace,
    name: route.object.metadata.name,
    services,
    key,
    backends: rule.backendRefs.map((b) => ({ name: b.name, weight: b.weight })),
  };
}

/** The waypoint Gateway a brain client serves, when it names one that exists. */
function clientWaypoint(mesh: MeshSnapshot, client: XdsClientInfo): MeshWaypoint | undefined {
  const wp = brainWaypoint(client);
  return wp ? mesh.waypoints.get(wp) : undefined;
}

export function createStickyRouteGenerator(): ResourceGenerator {
  return {
    typeUrl: BRAIN_TYPE_URLS.stickyRoute,
    perClient: true,
    generate(mesh: MeshSnapshot, client: XdsClientInfo) {
      const out = new Map<string, XdsResource>();
      const waypoint = clientWaypoint(mesh, client);
      if (!waypoint) return out;
      const bound = new Set(waypoint.services);
      for (const route of mesh.httpRoutes.values()) {
        const services = route.parentServices.filter((s) => bound.has(s)).sort();
        if (services.length === 0) continue;
        const input = stickyRouteInput(route, services);
        if (input) out.set(route.key, makeResource(route.key, BRAIN_TYPE_URLS.stickyRoute, encodeStickyRoute(input)));
      }
      return out;
    },
  };
}

export function createBrainSettingsGenerator(): ResourceGenerator {
  return {
    typeUrl: BRAIN_TYPE_URLS.brainSettings,
    perClient: true,
    generate(mesh: MeshSnapshot, client: XdsClientInfo) {
      const out = new Map<string, XdsResource>();
      const waypoint = clientWaypoint(mesh, client);
      if (!waypoint) return out;
      const debug = waypoint.annotations[ANNOTATIONS.waypointDebug] === 'true';
      out.set(waypoint.key, makeResource(waypoint.key, BRAIN_TYPE_URLS.brainSettings, encodeBrainSettings({ debug, pathNormalization: 'BASE' })));
      return out;
    },
  };
}
