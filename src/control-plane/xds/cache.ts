/**
 * What to send: the output of every generator for the current mesh, computed lazily, shared among clients when the
 * generator is not per-client, plus the set of names that changed since the previous computed version so a push only
 * looks at what moved (go-control-plane's cache/server split: the streams never call generators).
 *
 * Versions are push epochs, incremented by every `setMesh` (not MeshSnapshot.version): re-pushing the same mesh after
 * something outside it changed (e.g. a rotated waypoint certificate read by a per-client generator) must regenerate.
 */
import type { MeshSnapshot } from '../../shared/model/mesh.js';
import type { ResourceGenerator, XdsClientInfo, XdsResource } from './generator.js';

export type ResourceMap = ReadonlyMap<string, XdsResource>;

export interface XdsCache {
  current(): MeshSnapshot | undefined;
  /** Push epoch of the current mesh: 0 before the first, +1 per setMesh. */
  version(): number;
  setMesh(mesh: MeshSnapshot): void;
  hasType(typeUrl: string): boolean;
  /** Resources of `typeUrl` for `client` at the current mesh; empty before the first mesh. */
  resources(typeUrl: string, client: XdsClientInfo): ResourceMap;
  /**
   * Names added, changed or removed between epoch `fromVersion` and the current one for a shared generator;
   * undefined when unknown (per-client generator, or the client skipped a version): the caller compares everything.
   */
  changedSince(typeUrl: string, fromVersion: number): ReadonlySet<string> | undefined;
  /** Alias (e.g. `/10.0.0.1`) → resource name, for on-demand subscriptions by address. */
  aliasTarget(typeUrl: string, client: XdsClientInfo, alias: string): string | undefined;
}

interface Computed {
  readonly version: number;
  readonly out: ResourceMap;
  aliases?: Map<string, string>;
}

interface SharedEntry {
  computed?: Computed;
  diff?: { readonly from: number; readonly to: number; readonly names: ReadonlySet<string> };
}

const EMPTY: ResourceMap = new Map();

function diffNames(prev: ResourceMap, next: ResourceMap): Set<string> {
  const names = new Set<string>();
  for (const [name, r] of next) if (prev.get(name)?.version !== r.version) names.add(name);
  for (const name of prev.keys()) if (!next.has(name)) names.add(name);
  return names;
}

function aliasIndex(c: Computed): Map<string, string> {
  if (!c.aliases) {
    c.aliases = new Map();
    for (const r of c.out.values()) for (const a of r.aliases ?? []) c.aliases.set(a, r.name);
  }
  return c.aliases;
}

export function createXdsCache(generators: readonly ResourceGenerator[]): XdsCache {
  const byType = new Map(generators.map((g) => [g.typeUrl, g]));
  const shared = new Map<string, SharedEntry>();
  const perClient = new Map<string, WeakMap<XdsClientInfo, Computed>>();
  let mesh: MeshSnapshot | undefined;
  let epoch = 0;

  const computeShared = (g: ResourceGenerator, client: XdsClientInfo): Computed => {
    let e = shared.get(g.typeUrl);
    if (!e) shared.set(g.typeUrl, (e = {}));
    if (mesh && e.computed?.version !== epoch) {
      const next: Computed = { version: epoch, out: g.generate(mesh, client) };
      if (e.computed) e.diff = { from: e.computed.version, to: next.version, names: diffNames(e.computed.out, next.out) };
      e.computed = next;
    }
    return e.computed ?? { version: 0, out: EMPTY };
  };

  const compute = (typeUrl: string, client: XdsClientInfo): Computed => {
    const g = byType.get(typeUrl);
    if (!g || !mesh) return { version: 0, out: EMPTY };
    if (!g.perClient) return computeShared(g, client);
    let m = perClient.get(typeUrl);
    if (!m) perClient.set(typeUrl, (m = new WeakMap()));
    let c = m.get(client);
    if (c?.version !== epoch) m.set(client, (c = { version: epoch, out: g.generate(mesh, client) }));
    return c;
  };

  return {
    current: () => mesh,
    version: () => epoch,
    setMesh(next) {
      mesh = next;
      epoch++;
    },
    hasType: (typeUrl) => byType.has(typeUrl),
    resources: (typeUrl, client) => compute(typeUrl, client).out,
    changedSince(typeUrl, fromVersion) {
      const g = byType.get(typeUrl);
      if (!g || g.perClient || !mesh) return undefined;
      const e = shared.get(typeUrl);
      if (e?.computed?.version !== epoch) return undefined;
      if (fromVersion === epoch) return new Set();
      return e.diff?.from === fromVersion && e.diff.to === epoch ? e.diff.names : undefined;
    },
    aliasTarget: (typeUrl, client, alias) => aliasIndex(compute(typeUrl, client)).get(alias),
  };
}
