/** Waypoint Envoy launcher: bootstrap rendering and process supervision. */
export { createWaypointEnvoy, type WaypointEnvoy, type WaypointEnvoyConfig } from './waypoint-envoy.js';
export { BOOTSTRAP_TEMPLATE_PATH, loadBootstrapTemplate, renderBootstrap, type BootstrapVars, type RenderResult } from './bootstrap.js';
