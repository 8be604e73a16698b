/**
 * An in-memory ConfigSource: objects are set by code (tests, embedding), each `set` is one new snapshot. Real code,
 * not a mock: it follows the same contract as the directory source (initial snapshot from start(), then onChange).
 */
import { objectKey, type ConfigError, type ConfigObject, type ConfigSnapshot, type ConfigSource } from '../../shared/model/objects.js';

export interface MemoryConfigSource extends ConfigSource {
  /** Replaces the whole object set (and errors); notifies the listener when started. */
  set(objects: Iterable<ConfigObject>, errors?: readonly ConfigError[]): ConfigSnapshot;
  current(): ConfigSnapshot;
}

export function createMemoryConfigSource(initial: Iterable<ConfigObject> = []): MemoryConfigSource {
  const toMap = (objects: Iterable<ConfigObject>): Map<string, ConfigObject> =>
    new Map([...objects].map((o) => [objectKey(o.kind, o.metadata.namespace, o.metadata.name), o] as const));
  let snapshot: ConfigSnapshot = { revision: 1, objects: toMap(initial), errors: [], notices: [] };
  let listener: ((s: ConfigSnapshot) => void) | undefined;
  return {
    async start(onChange) {
      listener = onChange;
      return snapshot;
    },
    async close() {
      listener = undefined;
    },
    set(objects, errors = []) {
      snapshot = { revision: snapshot.revision + 1, objects: toMap(objects), errors, notices: [] };
      listener?.(snapshot);
      return snapshot;
    },
    current: () => snapshot,
  };
}
