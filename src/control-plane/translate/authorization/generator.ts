/**
 * Generator for `type.googleapis.com/istio.security.Authorization`: one resource per ztunnel-enforceable
 * AuthorizationPolicy, named `<namespace>/<name>`. Same for every client (`perClient: false`), as istiod's
 * WorkloadRBACGenerator. Conversion results are cached per MeshPolicy object (identity kept by the mesh builder).
 */
import { TYPE_URLS } from '../../../shared/constants.js';
import type { MeshPolicy, MeshSnapshot } from '../../../shared/model/mesh.js';
import type { ResourceGenerator, XdsResource } from '../../xds/generator.js';
import { makeResource } from '../../xds/resource.js';
import { encodeMessage, wdsTypes } from '../workload/proto-types.js';
import { convertPolicy, type ConvertResult } from './convert.js';

interface Cached {
  readonly result: ConvertResult;
  readonly resource?: XdsResource;
}

export interface AuthorizationGenerator extends ResourceGenerator {
  /**
   * Operator-facing warnings by policy key (`<ns>/<name>`): HTTP attributes ztunnel cannot enforce, unsupported
   * actions. For policy status / `/debug/policies`.
   */
  warnings(mesh: MeshSnapshot): ReadonlyMap<string, string>;
}

export function createAuthorizationGenerator(): AuthorizationGenerator {
  const types = wdsTypes();
  const cache = new WeakMap<MeshPolicy, Cached>();
  const convert = (p: MeshPolicy): Cached => {
    let c = cache.get(p);
    if (c) return c;
    const result = convertPolicy(p);
    c =
      result.kind === 'converted'
        ? {
            result,
            resource: makeResource(
              p.key,
              TYPE_URLS.authorization,
              encodeMessage(types.authorization, result.authorization as unknown as Record<string, unknown>),
            ),
          }
        : { result };
    cache.set(p, c);
    return c;
  };
  return {
    typeUrl: TYPE_URLS.authorization,
    perClient: false,
    generate(mesh: MeshSnapshot): ReadonlyMap<string, XdsResource> {
      const out = new Map<string, XdsResource>();
      for (const p of mesh.policies.values()) {
        const { resource } = convert(p);
        if (resource) out.set(resource.name, resource);
      }
      return out;
    },
    warnings(mesh: MeshSnapshot): ReadonlyMap<string, string> {
      const out = new Map<string, string>();
      for (const p of mesh.policies.values()) {
        const { result } = convert(p);
        if (result.warning !== undefined) out.set(p.key, result.warning);
      }
      return out;
    },
  };
}
