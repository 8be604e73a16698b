/** Loads a fixture directory into a ConfigSnapshot the same way the directory source does (without watching). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigObject, ConfigSnapshot } from '../../src/shared/model/objects.js';
import { parseConfigFile, type FileResult } from '../../src/control-plane/config/file-parse.js';
import { mergeFileResults } from '../../src/control-plane/config/merge.js';

/** test/fixtures/<name> in the source tree (tests run from dist/, fixtures are not copied). */
export function fixtureDir(name: string): string {
  return join(fileURLToPath(new URL('../../../test/fixtures/', import.meta.url)), name);
}

export function loadFixture(name: string): ConfigSnapshot {
  const dir = fixtureDir(name);
  const files = new Map<string, FileResult>();
  for (const f of readdirSync(dir).sort()) {
    if (/\.ya?ml$/.test(f)) files.set(join(dir, f), parseConfigFile(join(dir, f), readFileSync(join(dir, f), 'utf8')));
  }
  const merged = mergeFileResults(files, new Map());
  return { revision: 1, objects: merged.objects, errors: merged.errors, notices: merged.notices };
}

/** A snapshot from in-memory objects, replacing/adding `extra` (by key) on top of `base`. */
export function withObjects(base: ConfigSnapshot, extra: readonly ConfigObject[], remove: readonly string[] = []): ConfigSnapshot {
  const objects = new Map(base.objects);
  for (const k of remove) objects.delete(k);
  for (const o of extra) objects.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
  return { ...base, revision: base.revision + 1, objects };
}
