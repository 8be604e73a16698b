/** The ztunnel loads prom-client's Registry and Counter from their own files: they must be the package's classes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as prom from 'prom-client';
import { Counter, Registry, createZtunnelMetrics } from '../../src/ztunnel/metrics.js';

test('Registry and Counter are the classes prom-client exports, and a registry from either renders both', async () => {
  assert.equal(Registry, prom.Registry);
  assert.equal(Counter, prom.Counter);
  const registry = new prom.Registry();
  const metrics = createZtunnelMetrics(registry);
  metrics.hboneResponses.inc({ code: '200' });
  assert.match(await registry.metrics(), /^ambit_ztunnel_hbone_responses_total\{code="200"\} 1$/m);
  assert.equal(registry.contentType, prom.Registry.PROMETHEUS_CONTENT_TYPE);
});

test('the ztunnel process modules never load the prom-client index (gauges, pushgateway, cluster, default metrics)', () => {
  const cli = fileURLToPath(new URL('../../src/cli/ztunnel.js', import.meta.url));
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(cli)});
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(cache.filter((k) => k.includes('prom-client')).map((k) => k.slice(k.lastIndexOf('prom-client'))).sort().join(' '));`;
  const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim().split(' ');
  assert.ok(!loaded.includes('prom-client/index.js'), loaded.join(' '));
  assert.ok(loaded.includes('prom-client/lib/counter.js'), loaded.join(' '));
});
