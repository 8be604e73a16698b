/** OpenTelemetry: one span per Check decision with the deciding policy, via an injected tracer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { createCheckHandler, createPolicyStore } from '../../src/waypoint/brain/index.js';
import { createBrainMetrics } from '../../src/waypoint/brain/metrics.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { checkRequest } from './support/check-client.js';
import { pol } from './check-cases.js';

test('authz decisions become spans', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const store = createPolicyStore();
  store.set({ policies: [pol('get-only', 'ALLOW', [{ to: [{ operation: { methods: ['GET'] } }] }])], requestAuthentications: [], stickyRoutes: [] });
  const h = createCheckHandler({ store, jwks: () => undefined, metrics: createBrainMetrics(new Registry()), logger: silentLogger, tracer: provider.getTracer('t') });
  h.check(checkRequest({}) as never);
  h.check(checkRequest({ method: 'DELETE' }) as never);
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(
    spans.map((s) => [s.name, s.attributes['ambit.authz.decision'], s.attributes['ambit.authz.policy'], s.attributes['ambit.authz.rule'], s.attributes['http.request.method']]),
    [
      ['ambit.authz.check', 'allow', 'shop/get-only', 0, 'GET'],
      ['ambit.authz.check', 'deny', 'shop/get-only', -1, 'DELETE'],
    ],
  );
  await provider.shutdown();
});
