/** Gateway API style object references (parentRefs, backendRefs, targetRefs) with group/kind defaults applied. */
import type { ObjectReference } from './objects.js';
import { optString, readObject, readPort, reqString, type Problems } from './validate-fields.js';

export interface RefDefaults {
  /** Group when absent (`gateway.networking.k8s.io` for parentRefs, `''` (core) for backendRefs). */
  readonly group: string;
  /** Kind when absent (`Gateway` for parentRefs, `Service` for backendRefs); `''` = kind is required. */
  readonly kind: string;
}

/** Reads one reference; `core` as group is normalised to `''`. */
export function readObjectRef(p: Problems, v: unknown, path: string, defaults: RefDefaults, portAllowed: boolean): ObjectReference | undefined {
  const o = readObject(p, v, path, true);
  if (!o) return undefined;
  const group = optString(p, o.group, `${path}.group`) ?? defaults.group;
  const kind = defaults.kind === '' ? reqString(p, o.kind, `${path}.kind`) : (optString(p, o.kind, `${path}.kind`) ?? defaults.kind);
  const name = reqString(p, o.name, `${path}.name`);
  const namespace = optString(p, o.namespace, `${path}.namespace`);
  const sectionName = optString(p, o.sectionName, `${path}.sectionName`);
  const port = portAllowed ? readPort(p, o.port, `${path}.port`, false) : undefined;
  if (!portAllowed && o.port !== undefined) p.push({ field: `${path}.port`, message: 'not allowed here' });
  return {
    group: group === 'core' ? '' : group,
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    ...(sectionName ? { sectionName } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}
