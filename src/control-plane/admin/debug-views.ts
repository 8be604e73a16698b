/** JSON views of the mesh model for the admin `/debug/*` endpoints. */
import type { MeshSnapshot } from '../../shared/model/mesh.js';
import { policiesForWorkload } from '../../shared/model/build-mesh.js';

/** Workloads with identity, node, waypoint and the policies ztunnel applies to each. */
export function workloadsView(mesh: MeshSnapshot): unknown {
  return {
    version: mesh.version,
    workloads: [...mesh.workloads.values()].map((w) => ({ ...w, policies: policiesForWorkload(mesh, w.uid) })),
  };
}

export function servicesView(mesh: MeshSnapshot): unknown {
  return { version: mesh.version, services: [...mesh.services.values()] };
}

/** Policies without the full source object echo (it is in the config), plus where each one is enforced. */
export function policiesView(mesh: MeshSnapshot): unknown {
  return {
    version: mesh.version,
    policies: [...mesh.policies.values()].map(({ object, ...p }) => ({ ...p, action: object.spec.action, source: object.origin.source })),
    requestAuthentications: [...mesh.requestAuthentications.values()].map(({ object, ...r }) => ({ ...r, source: object.origin.source })),
  };
}

export function waypointsView(mesh: MeshSnapshot): unknown {
  return { version: mesh.version, waypoints: [...mesh.waypoints.values()] };
}
