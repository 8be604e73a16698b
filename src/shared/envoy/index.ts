/** Typed, validated construction of Envoy resources (shared by the control plane and tests). */
export { buildResource, createResourceBuilder, type BuildResult, type EncodedAny, type ResourceBuilder } from './build-resource.js';
export { ENVOY_PROTO_FILES, loadEnvoyRoot } from './proto-files.js';
export { msToDuration } from './well-known.js';
