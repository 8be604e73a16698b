/**
 * Merges the claims of every file into one object set. Rules: an object whose current version is invalid keeps its
 * last good version; a key defined in two files is a duplicate error naming both files, and the file already serving
 * it (else the first path in sort order) wins; a key nobody claims any more is gone.
 */
import type { ConfigError, ConfigObject, ObjectKey } from '../../shared/model/objects.js';
import type { FileResult } from './file-parse.js';

export interface MergeResult {
  readonly objects: Map<ObjectKey, ConfigObject>;
  readonly errors: ConfigError[];
  readonly notices: string[];
}

function sameContent(a: ConfigObject, b: ConfigObject): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function pickOwner(paths: readonly string[], previous: ConfigObject | undefined): string {
  const serving = previous?.origin.source;
  return serving !== undefined && paths.includes(serving) ? serving : (paths[0] as string);
}

function duplicateError(key: ObjectKey, path: string, owner: string): ConfigError {
  const [kind, namespace, name] = key.split('/') as [string, string, string];
  return { source: path, kind, namespace, name, field: 'metadata.name', message: `duplicate ${key}: already defined in ${owner}, which keeps serving it` };
}

/**
 * @param files per file path, its current result (for malformed files, the previous claims with the new errors)
 * @param previous the objects served before, for last-good versions and for keeping unchanged object instances
 */
export function mergeFileResults(files: ReadonlyMap<string, FileResult>, previous: ReadonlyMap<ObjectKey, ConfigObject>): MergeResult {
  const claimants = new Map<ObjectKey, string[]>();
  const errors: ConfigError[] = [];
  const notices: string[] = [];
  for (const path of [...files.keys()].sort()) {
    const f = files.get(path) as FileResult;
    errors.push(...f.errors);
    notices.push(...f.notices);
    for (const key of f.claims.keys()) {
      const list = claimants.get(key);
      if (list) list.push(path);
      else claimants.set(key, [path]);
    }
  }
  const objects = new Map<ObjectKey, ConfigObject>();
  for (const [key, paths] of claimants) {
    const prev = previous.get(key);
    const owner = pickOwner(paths, prev);
    for (const p of paths) if (p !== owner) errors.push(duplicateError(key, p, owner));
    const current = files.get(owner)?.claims.get(key);
    const chosen = current === undefined ? prev : prev && sameContent(prev, current) ? prev : current;
    if (chosen) objects.set(key, chosen);
  }
  return { objects, errors, notices };
}
