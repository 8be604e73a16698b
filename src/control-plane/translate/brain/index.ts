/**
 * Generators for the waypoint brain's xDS resources (proto/ambit/waypoint.proto). Register all of them with the xDS
 * server; each is per-client and keyed by the caller's authenticated waypoint (`XdsClientInfo.waypointKey`).
 */
import type { ResourceGenerator } from '../../xds/generator.js';
import { createBrainPolicyGenerator, createBrainRequestAuthnGenerator } from './policies.js';
import { createBrainSettingsGenerator, createStickyRouteGenerator } from './sticky-routes.js';

export { BRAIN_TYPE_URLS } from '../../../shared/authz/wire.js';
export { policyInput } from './policies.js';
export { parseStickyKey, stickyRouteInput } from './sticky-routes.js';

export function createBrainGenerators(): ResourceGenerator[] {
  return [createBrainPolicyGenerator(), createBrainRequestAuthnGenerator(), createStickyRouteGenerator(), createBrainSettingsGenerator()];
}
