/**
 * What one Delta client holds of one type: name → version. Stored as a shared base map (the generator output the
 * client was last brought fully up to date with, shared by every such client) plus per-client overrides, so a hundred
 * clients holding ten thousand resources cost one map, not a hundred.
 */
import type { XdsResource } from './generator.js';

export class HeldVersions {
  private base: ReadonlyMap<string, XdsResource> | undefined;
  /** Version held, or null = removed from the base. */
  private readonly overrides = new Map<string, string | null>();

  get(name: string): string | undefined {
    const o = this.overrides.get(name);
    if (o !== undefined) return o ?? undefined;
    return this.base?.get(name)?.version;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, version: string): void {
    if (this.base?.get(name)?.version === version) this.overrides.delete(name);
    else this.overrides.set(name, version);
  }

  delete(name: string): void {
    if (this.base?.has(name)) this.overrides.set(name, null);
    else this.overrides.delete(name);
  }

  /** The client now holds exactly `map`. */
  resetTo(map: ReadonlyMap<string, XdsResource>): void {
    this.base = map;
    this.overrides.clear();
  }

  clear(): void {
    this.base = undefined;
    this.overrides.clear();
  }

  /** True when nothing is held (a fresh subscription). */
  isEmpty(): boolean {
    if (this.overrides.size > 0) for (const v of this.overrides.values()) if (v !== null) return false;
    if (!this.base) return true;
    for (const name of this.base.keys()) if (this.overrides.get(name) !== null) return false;
    return true;
  }

  *keys(): IterableIterator<string> {
    if (this.base) for (const name of this.base.keys()) if (!this.overrides.has(name)) yield name;
    for (const [name, v] of this.overrides) if (v !== null) yield name;
  }

  get size(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }
}
