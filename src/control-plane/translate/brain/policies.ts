/**
 * Brain resources for AuthorizationPolicies and RequestAuthentications: a brain for waypoint `<ns>/<name>` gets every
 * policy whose `waypoints` include it (targetRefs to its Gateway, the istio-waypoint GatewayClass, or a Service bound
 * to it), with the services it governs. Resource name = `<ns>/<name>` of the policy. Encodings are cached per model
 * object, which the mesh builder keeps identical while unchanged.
 */
import type { AuthzPolicyInput } from '../../../shared/authz/types.js';
import {
  BRAIN_TYPE_URLS,
  encodeAuthorizationPolicy,
  encodeRequestAuthentication,
} from '../../../shared/authz/wire.js';
import type { MeshPolicy, MeshRequestAuthentication, MeshSnapshot } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsClientInfo, XdsResource } from '../../xds/generator.js';
import { makeResource } from '../../xds/resource.js';

/** The waypoint key a brain (or its waypoint) authenticated as; undefined for any other caller. */
export function brainWaypoint(client: XdsClientInfo): string | undefined {
  return client.waypointKey;
}

export function policyInput(p: MeshPolicy): AuthzPolicyInput {
  const spec = p.object.spec;
  return {
    namespace: p.namespace,
    name: p.name,
    action: spec.action,
    dryRun: p.dryRun,
    services: [...p.services].sort(),
    ...(spec.rules !== undefined ? { rules: spec.rules } : {}),
    ...(spec.provider ? { provider: spec.provider.name } : {}),
  };
}

export function createBrainPolicyGenerator(): ResourceGenerator {
  const cache = new WeakMap<MeshPolicy, XdsResource>();
  const encode = (p: MeshPolicy): XdsResource => {
    let r = cache.get(p);
    if (!r) {
      r = makeResource(p.key, BRAIN_TYPE_URLS.authorizationPolicy, encodeAuthorizationPolicy(policyInput(p)));
      cache.set(p, r);
    }
    return r;
  };
  return {
    typeUrl: BRAIN_TYPE_URLS.authorizationPolicy,
    perClient: true,
    generate(mesh: MeshSnapshot, client: XdsClientInfo) {
      const out = new Map<string, XdsResource>();
      const wp = brainWaypoint(client);
      if (!wp) return out;
      for (const p of mesh.policies.values()) if (p.waypoints.includes(wp)) out.set(p.key, encode(p));
      return out;
    },
  };
}

export function createBrainRequestAuthnGenerator(): ResourceGenerator {
  const cache = new WeakMap<MeshRequestAuthentication, XdsResource>();
  const encode = (ra: MeshRequestAuthentication): XdsResource => {
    let r = cache.get(ra);
    if (!r) {
      const { namespace, name } = ra.object.metadata;
      const bytes = encodeRequestAuthentication({ namespace, name, services: [...ra.services].sort(), jwtRules: ra.object.spec.jwtRules });
      r = makeResource(ra.key, BRAIN_TYPE_URLS.requestAuthentication, bytes);
      cache.set(ra, r);
    }
    return r;
  };
  return {
    typeUrl: BRAIN_TYPE_URLS.requestAuthentication,
    perClient: true,
    generate(mesh: MeshSnapshot, client: XdsClientInfo) {
      const out = new Map<string, XdsResource>();
      const wp = brainWaypoint(client);
      if (!wp) return out;
      for (const ra of mesh.requestAuthentications.values()) if (ra.waypoints.includes(wp)) out.set(ra.key, encode(ra));
      return out;
    },
  };
}
