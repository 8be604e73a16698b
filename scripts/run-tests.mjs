#!/usr/bin/env node
// Runs the compiled test files with Node's built-in test runner.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
// Env: AMBIT_TEST_CONCURRENCY (default 2), AMBIT_TEST_TIMEOUT_MS (default 300000 per file).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = walk('dist/test').sort();
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const args = [
  '--enable-source-maps',
  '--test',
  `--test-concurrency=${process.env.AMBIT_TEST_CONCURRENCY ?? '2'}`,
  `--test-timeout=${process.env.AMBIT_TEST_TIMEOUT_MS ?? '300000'}`,
  ...files,
];
const res = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(res.status ?? 1);
