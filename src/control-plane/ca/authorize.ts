/**
 * Which identities a caller may obtain certificates for — Istio's impersonation model
 * (security/pkg/server/ca/node_auth.go): a node proxy may act for any workload scheduled on its own node, a waypoint
 * only for itself. Pure: (caller, requested identity, mesh) → decision.
 */
import type { Caller } from '../auth/caller.js';
import { describeCaller } from '../auth/caller.js';
import type { MeshSnapshot } from '../../shared/model/mesh.js';

export type CertificateDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly message: string };

export function authorizeIdentity(caller: Caller, identity: string, mesh: MeshSnapshot): CertificateDecision {
  switch (caller.kind) {
    case 'local-debug':
      return { allow: true };
    case 'node': {
      for (const w of mesh.workloads.values()) {
        if (w.node === caller.node && w.identity === identity) return { allow: true };
      }
      return {
        allow: false,
        message: `${describeCaller(caller)} may not obtain identity ${identity}: no workload with that identity runs on node "${caller.node}"`,
      };
    }
    case 'waypoint': {
      const key = `${caller.namespace}/${caller.name}`;
      const own = mesh.waypoints.get(key)?.identity;
      if (own === identity) return { allow: true };
      return {
        allow: false,
        message: own
          ? `${describeCaller(caller)} may only obtain its own identity ${own}, not ${identity}`
          : `${describeCaller(caller)} is not a known waypoint, so it may not obtain identity ${identity}`,
      };
    }
  }
}
