/** The configuration and mesh model: validated objects, the validator, and the ambient mesh builder. */
export * from './objects.js';
export type * from './mesh.js';
export { validateDocument, type ValidationResult } from './validate.js';
export { buildMesh, DEFAULT_MESH_OPTIONS, policiesForWorkload } from './build-mesh.js';
export { serviceHostname } from './build-services.js';
export { isCaptured } from './build-workloads.js';
export { labelsMatch } from './label-index.js';
