/**
 * A ConfigSource backed by a directory of `*.yaml`/`*.yml` files (recursive, multi-document). Watches with
 * fs.watch (recursive) and also rescans periodically, so edits take effect within about a second even where watch
 * events are lost. Files are re-read only when their stat changes or a watch event names them.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { ConfigObject, ConfigSnapshot, ConfigSource, ObjectKey } from '../../shared/model/objects.js';
import { parseConfigFile, type FileResult } from './file-parse.js';
import { mergeFileResults } from './merge.js';

export interface DirConfigSourceConfig {
  readonly dir: string;
  readonly logger: Logger;
  /** Quiet period after a watch event before rescanning. Default 100 ms. */
  readonly debounceMs?: number;
  /** Periodic rescan interval (fallback for lost watch events). Default 500 ms; 0 disables. */
  readonly rescanMs?: number;
}

interface FileState {
  readonly fingerprint: string;
  readonly text: string;
  readonly result: FileResult;
}

async function listConfigFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // editor swap files, Kubernetes ConfigMap `..data` links
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listConfigFiles(p)));
    else if (/\.ya?ml$/.test(e.name) && (e.isFile() || e.isSymbolicLink())) out.push(p);
  }
  return out;
}

function sameSnapshot(a: ConfigSnapshot, objects: ReadonlyMap<ObjectKey, ConfigObject>, errors: readonly unknown[], notices: readonly string[]): boolean {
  if (a.objects.size !== objects.size || JSON.stringify(a.errors) !== JSON.stringify(errors) || a.notices.join('\n') !== notices.join('\n')) return false;
  for (const [k, v] of objects) if (a.objects.get(k) !== v) return false;
  return true;
}

export function createDirConfigSource(config: DirConfigSourceConfig): ConfigSource {
  const { dir, logger } = config;
  const debounceMs = config.debounceMs ?? 100;
  const rescanMs = config.rescanMs ?? 500;
  const files = new Map<string, FileState>();
  const dirty = new Set<string>();
  let snapshot: ConfigSnapshot = { revision: 0, objects: new Map(), errors: [], notices: [] };
  let listener: ((s: ConfigSnapshot) => void) | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let interval: NodeJS.Timeout | undefined;
  let scanning: Promise<void> | undefined;
  let rescanRequested = false;
  let closed = false;

  async function loadFile(path: string, forced: ReadonlySet<string>): Promise<void> {
    let fingerprint: string;
    try {
      const st = await stat(path);
      fingerprint = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      files.delete(path); // vanished between listing and stat
      return;
    }
    const prev = files.get(path);
    if (prev && prev.fingerprint === fingerprint && !forced.has(path)) return;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    if (prev && prev.text === text) {
      files.set(path, { ...prev, fingerprint });
      return;
    }
    const parsed = parseConfigFile(path, text);
    const result = parsed.malformed && prev ? { ...parsed, claims: prev.result.claims, notices: prev.result.notices } : parsed;
    files.set(path, { fingerprint, text, result });
  }

  async function scanOnce(): Promise<void> {
    // Files named by watch events are re-read even if their stat looks unchanged; events arriving during this scan
    // stay in `dirty` for the next one.
    const forced = new Set(dirty);
    dirty.clear();
    const paths = await listConfigFiles(dir);
    const present = new Set(paths);
    for (const p of [...files.keys()]) if (!present.has(p)) files.delete(p);
    for (const p of paths) await loadFile(p, forced);
    const results = new Map([...files].map(([p, f]) => [p, f.result] as const));
    const merged = mergeFileResults(results, snapshot.objects);
    if (snapshot.revision > 0 && sameSnapshot(snapshot, merged.objects, merged.errors, merged.notices)) return;
    snapshot = { revision: snapshot.revision + 1, objects: merged.objects, errors: merged.errors, notices: merged.notices };
    logger.info('config loaded', { revision: snapshot.revision, objects: snapshot.objects.size, errors: snapshot.errors.length });
    if (snapshot.revision > 1) listener?.(snapshot);
  }

  /** Runs scans one at a time; a request during a scan queues exactly one more. */
  function scan(): Promise<void> {
    if (scanning) {
      rescanRequested = true;
      return scanning;
    }
    scanning = scanOnce()
      .catch((err: unknown) => logger.error('config scan failed', { dir, err }))
      .finally(() => {
        scanning = undefined;
        if (rescanRequested && !closed) {
          rescanRequested = false;
          void scan();
        }
      });
    return scanning;
  }

  function onWatchEvent(_event: string, filename: string | Buffer | null): void {
    if (filename) dirty.add(join(dir, filename.toString()));
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void scan(), debounceMs);
  }

  return {
    async start(onChange) {
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) throw new Error(`config directory ${dir} does not exist or is not a directory`);
      await scan();
      listener = onChange;
      try {
        watcher = watch(dir, { recursive: true }, onWatchEvent);
        watcher.on('error', (err) => logger.warn('config watch failed; relying on periodic rescan', { dir, err }));
      } catch (err) {
        logger.warn('fs.watch unavailable; relying on periodic rescan', { dir, err });
      }
      if (rescanMs > 0) interval = setInterval(() => void scan(), rescanMs);
      return snapshot;
    },
    async close() {
      closed = true;
      listener = undefined;
      watcher?.close();
      if (timer) clearTimeout(timer);
      if (interval) clearInterval(interval);
      await scanning;
    },
  };
}
