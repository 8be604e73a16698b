import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDirConfigSource } from '../../src/control-plane/config/dir-source.js';
import type { ConfigSnapshot, ConfigSource, ServiceObject } from '../../src/shared/model/objects.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';

const svcYaml = (name: string, port: number | string, ns = 'shop') =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: ${port}}]\n`;

interface Harness {
  readonly dir: string;
  readonly source: ConfigSource;
  readonly initial: ConfigSnapshot;
  /** Resolves with the first snapshot (current or later) satisfying `pred`, within `ms`. */
  until(pred: (s: ConfigSnapshot) => boolean, ms?: number): Promise<ConfigSnapshot>;
  close(): Promise<void>;
}

async function start(files: Record<string, string>, opts: { rescanMs?: number } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'ambit-cfg-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const source = createDirConfigSource({ dir, logger: silentLogger, debounceMs: 50, ...(opts.rescanMs !== undefined ? { rescanMs: opts.rescanMs } : {}) });
  let latest: ConfigSnapshot | undefined;
  const waiters = new Set<() => void>();
  const initial = await source.start((s) => {
    latest = s;
    for (const w of waiters) w();
  });
  latest = initial;
  const until = (pred: (s: ConfigSnapshot) => boolean, ms = 1000): Promise<ConfigSnapshot> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (latest && pred(latest)) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(latest);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`condition not met within ${ms} ms; last snapshot: ${JSON.stringify({ keys: [...(latest?.objects.keys() ?? [])], errors: latest?.errors })}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return {
    dir,
    source,
    initial,
    until,
    async close() {
      await source.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const port = (s: ConfigSnapshot, key: string): number | undefined => (s.objects.get(key) as ServiceObject | undefined)?.spec.ports[0]?.port;

test('loads *.yaml and *.yml recursively, multi-document, ignoring other files', async () => {
  const h = await start({
    'a.yaml': svcYaml('a', 80) + '---\n' + svcYaml('b', 81),
    'sub/dir/c.yml': svcYaml('c', 82),
    'notes.txt': 'not config',
    'd.yaml.bak': svcYaml('d', 83),
  });
  try {
    assert.deepEqual([...h.initial.objects.keys()].sort(), ['Service/shop/a', 'Service/shop/b', 'Service/shop/c']);
    assert.deepEqual(h.initial.errors, []);
    assert.equal(h.initial.objects.get('Service/shop/b')?.origin.documentIndex, 1);
  } finally {
    await h.close();
  }
});

test('add, edit and delete take effect within 1 s (fs.watch)', async () => {
  const h = await start({ 'a.yaml': svcYaml('a', 80) }, { rescanMs: 0 });
  try {
    await writeFile(join(h.dir, 'b.yaml'), svcYaml('b', 90));
    await h.until((s) => s.objects.has('Service/shop/b'));
    await writeFile(join(h.dir, 'a.yaml'), svcYaml('a', 8080));
    await h.until((s) => port(s, 'Service/shop/a') === 8080);
    await unlink(join(h.dir, 'b.yaml'));
    const s = await h.until((x) => !x.objects.has('Service/shop/b'));
    assert.deepEqual([...s.objects.keys()], ['Service/shop/a']);
  } finally {
    await h.close();
  }
});

test('periodic rescan picks up changes when watch events are missed', async () => {
  const h = await start({ 'a.yaml': svcYaml('a', 80) }, { rescanMs: 200 });
  try {
    await writeFile(join(h.dir, 'a.yaml'), svcYaml('a', 81));
    await h.until((s) => port(s, 'Service/shop/a') === 81);
  } finally {
    await h.close();
  }
});

test('an invalid edit keeps the last good version and reports the error', async () => {
  const h = await start({ 'a.yaml': svcYaml('a', 80) + '---\n' + svcYaml('b', 81) });
  try {
    const good = h.initial.objects.get('Service/shop/a');
    await writeFile(join(h.dir, 'a.yaml'), svcYaml('a', '"eighty"') + '---\n' + svcYaml('b', 91));
    const s = await h.until((x) => x.errors.length > 0 && port(x, 'Service/shop/b') === 91);
    assert.equal(s.objects.get('Service/shop/a'), good, 'last good version (same object) keeps serving');
    assert.equal(s.errors[0]?.field, 'spec.ports[0].port');
    assert.equal(s.errors[0]?.source, join(h.dir, 'a.yaml'));
    await writeFile(join(h.dir, 'a.yaml'), svcYaml('a', 82) + '---\n' + svcYaml('b', 91));
    const fixed = await h.until((x) => x.errors.length === 0);
    assert.equal(port(fixed, 'Service/shop/a'), 82);
  } finally {
    await h.close();
  }
});

test('malformed YAML names the file and line; its objects keep their last good versions', async () => {
  const h = await start({ 'a.yaml': svcYaml('a', 80), 'ok.yaml': svcYaml('ok', 70) });
  try {
    await writeFile(join(h.dir, 'a.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: a\n  bad: [\n');
    const s = await h.until((x) => x.errors.length > 0);
    assert.match(s.errors[0]?.message ?? '', /malformed YAML at line \d+/);
    assert.equal(s.errors[0]?.source, join(h.dir, 'a.yaml'));
    assert.equal(port(s, 'Service/shop/a'), 80);
    assert.equal(port(s, 'Service/shop/ok'), 70);
    // A malformed brand-new file contributes nothing but its error.
    await writeFile(join(h.dir, 'new.yaml'), ': : :\n\t- [');
    await h.until((x) => x.errors.some((e) => e.source.endsWith('new.yaml')));
  } finally {
    await h.close();
  }
});

test('an object first defined with an invalid version is absent, with its error', async () => {
  const h = await start({ 'a.yaml': svcYaml('a', 0) });
  try {
    assert.equal(h.initial.objects.size, 0);
    assert.equal(h.initial.errors[0]?.name, 'a');
  } finally {
    await h.close();
  }
});

test('duplicate Kind/ns/name across files: error names both files, the one already serving wins', async () => {
  const h = await start({ 'b.yaml': svcYaml('dup', 80) });
  try {
    await writeFile(join(h.dir, 'a.yaml'), svcYaml('dup', 90));
    const s = await h.until((x) => x.errors.length > 0);
    assert.equal(port(s, 'Service/shop/dup'), 80, 'b.yaml served first and keeps serving despite sorting after a.yaml');
    const e = s.errors[0];
    assert.equal(e?.source, join(h.dir, 'a.yaml'));
    assert.match(e?.message ?? '', /b\.yaml/);
    await unlink(join(h.dir, 'b.yaml'));
    const after = await h.until((x) => x.errors.length === 0);
    assert.equal(port(after, 'Service/shop/dup'), 90);
  } finally {
    await h.close();
  }
});

test('unknown kinds are notices, not errors', async () => {
  const h = await start({ 'a.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n' + svcYaml('a', 80) });
  try {
    assert.deepEqual(h.initial.errors, []);
    assert.equal(h.initial.notices.length, 1);
    assert.equal(h.initial.objects.size, 1);
  } finally {
    await h.close();
  }
});

test('start fails clearly when the directory does not exist', async () => {
  const source = createDirConfigSource({ dir: '/nonexistent/ambit-config', logger: silentLogger });
  await assert.rejects(source.start(() => undefined), /\/nonexistent\/ambit-config does not exist/);
});
