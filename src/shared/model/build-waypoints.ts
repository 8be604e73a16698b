/**
 * Waypoints (Gateways of class `istio-waypoint`) and the binding rules: `istio.io/use-waypoint` on the object beats
 * the namespace label, `none` opts out, `istio.io/waypoint-for` decides whether services, workloads or both may bind,
 * and a waypoint in another namespace needs its HBONE listener to allow routes from all namespaces.
 */
import { LABELS, PORTS, WAYPOINT_GATEWAY_CLASS, spiffeId } from '../constants.js';
import type { GatewayObject, Labels } from './objects.js';
import type { MeshOptions, MeshWaypoint, WaypointFor, WaypointRef } from './mesh.js';

const HBONE_PORT = PORTS.hbone;
const WAYPOINT_FOR: readonly WaypointFor[] = ['service', 'workload', 'all', 'none'];
const SERVICE_ACCOUNT_ANNOTATION = 'gateway.istio.io/service-account';

/** A waypoint before bindings are known; `crossNamespace` = HBONE listener allows routes from other namespaces. */
export interface WaypointDraft {
  readonly base: Omit<MeshWaypoint, 'services' | 'workloads'>;
  readonly crossNamespace: boolean;
  readonly services: string[];
  readonly workloads: string[];
}

export function isWaypointGateway(gw: GatewayObject): boolean {
  return gw.spec.gatewayClassName === WAYPOINT_GATEWAY_CLASS;
}

function checkListeners(gw: GatewayObject): { problems: string[]; crossNamespace: boolean } {
  const hbone = gw.spec.listeners.filter((l) => l.port === HBONE_PORT && l.protocol === 'HBONE');
  const problems = hbone.length === 1 ? [] : ['Expected a single listener on port 15008 with protocol "HBONE"'];
  const from = hbone[0]?.allowedRoutes?.namespaces?.from;
  return { problems, crossNamespace: from === 'All' || from === 'Selector' };
}

export function draftWaypoint(gw: GatewayObject, options: MeshOptions): WaypointDraft {
  const { name, namespace, labels, annotations } = gw.metadata;
  const { problems, crossNamespace } = checkListeners(gw);
  const forLabel = labels[LABELS.waypointFor];
  let traffic: WaypointFor = 'service';
  if (forLabel !== undefined) {
    if ((WAYPOINT_FOR as readonly string[]).includes(forLabel)) traffic = forLabel as WaypointFor;
    else problems.push(`label ${LABELS.waypointFor}="${forLabel}" is not one of ${WAYPOINT_FOR.join(', ')}; using "service"`);
  }
  const serviceAccount = annotations[SERVICE_ACCOUNT_ANNOTATION] ?? name;
  const address = gw.spec.addresses[0]?.value;
  return {
    base: {
      name,
      namespace,
      key: `${namespace}/${name}`,
      ...(address !== undefined ? { address } : {}),
      for: traffic,
      serviceAccount,
      identity: spiffeId(options.trustDomain, namespace, serviceAccount),
      problems,
      annotations,
    },
    crossNamespace,
    services: [],
    workloads: [],
  };
}

export type BindingKind = 'service' | 'workload';

/**
 * The waypoint an object (service or workload) binds to, or undefined. Object label beats namespace label; `none`
 * on the object opts out even when the namespace names a waypoint.
 */
export function resolveWaypoint(
  waypoints: ReadonlyMap<string, WaypointDraft>,
  objectLabels: Labels,
  objectNamespace: string,
  namespaceLabels: Labels | undefined,
  kind: BindingKind,
): WaypointDraft | undefined {
  const own = objectLabels[LABELS.useWaypoint];
  const labels = own !== undefined ? objectLabels : namespaceLabels;
  const name = labels?.[LABELS.useWaypoint];
  if (!name || name === 'none') return undefined;
  const ns = labels?.[LABELS.useWaypointNamespace] || objectNamespace;
  const wp = waypoints.get(`${ns}/${name}`);
  if (!wp) return undefined;
  if (ns !== objectNamespace && !wp.crossNamespace) return undefined;
  const t = wp.base.for;
  if (t === 'none' || (t !== 'all' && t !== kind)) return undefined;
  return wp;
}

export function waypointRef(wp: WaypointDraft): WaypointRef {
  const address = wp.base.address;
  return { namespace: wp.base.namespace, name: wp.base.name, hbonePort: PORTS.hbone, ...(address !== undefined ? { address } : {}) };
}
