/**
 * One config file's text → what it claims: per object key the validated object (or `undefined` when the new version
 * is invalid, so the last good version keeps serving), plus errors and notices. Malformed YAML yields `malformed`
 * so the caller can keep the file's previous claims.
 */
import { parseAllDocuments } from 'yaml';
import type { ConfigError, ConfigObject, ObjectKey } from '../../shared/model/objects.js';
import { objectKey } from '../../shared/model/objects.js';
import { validateDocument, type ValidationResult } from '../../shared/model/validate.js';

export interface FileResult {
  /** Insertion order = document order. `undefined` = this file defines the key, but its current version is invalid. */
  readonly claims: ReadonlyMap<ObjectKey, ConfigObject | undefined>;
  readonly errors: readonly ConfigError[];
  readonly notices: readonly string[];
  /** True when the YAML could not be parsed; `claims` is then empty and the caller keeps the previous ones. */
  readonly malformed: boolean;
}

/** Parses and validates every document of one file. */
export function parseConfigFile(source: string, text: string): FileResult {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const yamlErrors: ConfigError[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      yamlErrors.push({ source, message: `malformed YAML${where}: ${e.message.split('\n')[0] ?? e.message}` });
    }
  }
  if (yamlErrors.length > 0 || !Array.isArray(docs)) {
    return { claims: new Map(), errors: yamlErrors.length > 0 ? yamlErrors : [{ source, message: 'malformed YAML' }], notices: [], malformed: true };
  }
  const claims = new Map<ObjectKey, ConfigObject | undefined>();
  const errors: ConfigError[] = [];
  const notices: string[] = [];
  docs.forEach((doc, documentIndex) => {
    let r: ValidationResult;
    try {
      const raw: unknown = doc.toJS({ maxAliasCount: 100 });
      if (raw === null || raw === undefined) return; // empty document, e.g. a trailing `---`
      r = validateDocument(raw, { source, documentIndex });
    } catch (err) {
      // e.g. an alias bomb (too many aliases): reject the document, never the process.
      errors.push({ source, message: `document ${documentIndex}: ${(err as Error).message}` });
      return;
    }
    if (r.outcome === 'ignored') {
      notices.push(r.notice);
      return;
    }
    const key = r.outcome === 'valid' ? objectKey(r.object.kind, r.object.metadata.namespace, r.object.metadata.name) : r.key;
    if (r.outcome === 'invalid') errors.push(...r.errors);
    if (key === undefined) return;
    if (claims.has(key)) {
      const [kind, namespace, name] = key.split('/') as [string, string, string];
      errors.push({ source, kind, namespace, name, field: 'metadata.name', message: `duplicate ${key} in document ${documentIndex} of the same file (the first one is used)` });
      return;
    }
    claims.set(key, r.outcome === 'valid' ? r.object : undefined);
  });
  return { claims, errors, notices, malformed: false };
}
