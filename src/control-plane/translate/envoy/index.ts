/** Waypoint Envoy config: translation of the mesh into LDS/RDS/CDS/EDS/SDS for each waypoint. */
export { createWaypointGenerators, waypointKeyOf, type WaypointGenerators, type WaypointGeneratorsConfig } from './generators.js';
export { createWaypointSecretStore, type WaypointCa, type WaypointSecret, type WaypointSecretStore, type WaypointSecretStoreConfig } from './secret-store.js';
export { translateWaypoint, type WaypointConfig, type WaypointProblem } from './translate-waypoint.js';
export * from './names.js';
export { createProxylessGenerators } from './proxyless.js';
