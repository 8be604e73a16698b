/**
 * @peculiar/x509 depends on tsyringe, which refuses to load unless `Reflect.getMetadata` exists (normally supplied by
 * the `reflect-metadata` package, which is not installed). x509 only uses the dependency container for its
 * algorithm/extension registries with parameterless constructors, so a tiny metadata store is enough. Installed
 * only when absent, so a real `reflect-metadata` (if added later) wins. Import this module before @peculiar/x509 —
 * `./x509.js` does.
 */
type MetadataStore = WeakMap<object, Map<string | symbol, Map<unknown, unknown>>>;

interface ReflectMetadataApi {
  getMetadata?: (key: unknown, target: object, prop?: string | symbol) => unknown;
  getOwnMetadata?: (key: unknown, target: object, prop?: string | symbol) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object, prop?: string | symbol) => void;
  hasMetadata?: (key: unknown, target: object, prop?: string | symbol) => boolean;
}

const PROP_NONE = Symbol('class');

function install(): void {
  const api = Reflect as unknown as ReflectMetadataApi;
  if (typeof api.getMetadata === 'function') return;
  const store: MetadataStore = new WeakMap();
  const own = (target: object, prop: string | symbol = PROP_NONE, create = false): Map<unknown, unknown> | undefined => {
    let byProp = store.get(target);
    if (!byProp && create) store.set(target, (byProp = new Map()));
    let map = byProp?.get(prop);
    if (!map && create && byProp) byProp.set(prop, (map = new Map()));
    return map;
  };
  api.getOwnMetadata = (key, target, prop) => own(target, prop)?.get(key);
  api.getMetadata = (key, target, prop) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t, prop);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  api.hasMetadata = (key, target, prop) => api.getMetadata!(key, target, prop) !== undefined;
  api.defineMetadata = (key, value, target, prop) => void own(target, prop, true)!.set(key, value);
}

install();
