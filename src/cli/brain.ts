/**
 * `ambit brain`: the composition root of one waypoint brain. Reads flags, the state dir (root certificate, bootstrap
 * token), builds logger, metrics registry and (optionally) an OTLP tracer, and wires the brain to the control plane
 * over Delta xDS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { PORTS } from '../shared/constants.js';
import { createLogger, type LogLevel } from '../shared/telemetry/logger.js';
import { createBrain } from '../waypoint/brain/brain.js';
import { createXdsPolicySource } from '../waypoint/brain/xds-source.js';
import { waitForShutdownSignal } from './signals.js';
import { num, parseCommandArgs, str } from './args.js';
import { fileTokenSource } from './token-file.js';

const HELP = `Usage: ambit brain --waypoint <ns>/<name> --address <ip> --xds-address <host:port> --state-dir <dir> [options]

Serves ext_authz (AuthorizationPolicy, RequestAuthentication), ext_proc (sticky canary) and the access-log service
for one waypoint Envoy, with policies from the control plane over xDS.

Options:
  --waypoint <ns/name>      waypoint Gateway this brain serves (required)
  --address <ip>            waypoint address: gRPC on :${PORTS.brainGrpc}, metrics :${PORTS.metrics}, readiness :${PORTS.readiness}
  --grpc <target>           override the gRPC listen target (host:port or unix:/path)
  --metrics-port <n>        default ${PORTS.metrics}
  --readiness-port <n>      default ${PORTS.readiness}
  --xds-address <host:port> control plane xDS (TLS)
  --xds-servername <name>   TLS name of the control plane, default istiod.istio-system.svc
  --state-dir <dir>         reads ca/root-cert.pem and tokens/waypoint-<ns>-<name>.token
  --otlp-endpoint <url>     export authz decision spans over OTLP/gRPC
  --log-level <level>       debug | info | warn | error (default info)`;

function tracerFor(endpoint: string | undefined): { tracer?: Tracer; shutdown(): Promise<void> } {
  if (!endpoint) return { shutdown: async () => undefined };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ambit-brain' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
  });
  return { tracer: provider.getTracer('ambit-brain'), shutdown: () => provider.shutdown() };
}

export async function run(args: readonly string[]): Promise<number> {
  const v = parseCommandArgs(
    args,
    {
      waypoint: { type: 'string' }, address: { type: 'string' }, grpc: { type: 'string' },
      'metrics-port': { type: 'string' }, 'readiness-port': { type: 'string' },
      'xds-address': { type: 'string' }, 'xds-servername': { type: 'string' }, 'state-dir': { type: 'string' },
      'otlp-endpoint': { type: 'string' }, 'log-level': { type: 'string' },
    },
    HELP,
  );
  if (!v) return 0;
  const waypoint = str(v, 'waypoint', '');
  const address = str(v, 'address', '');
  const [ns, name] = waypoint.split('/');
  if (!ns || !name || !address) {
    console.error(`ambit brain: --waypoint <ns>/<name> and --address are required\n\n${HELP}`);
    return 2;
  }
  const logger = createLogger({ level: str(v, 'log-level', 'info') as LogLevel, fields: { component: 'brain', waypoint } });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const tracing = tracerFor(typeof v['otlp-endpoint'] === 'string' ? v['otlp-endpoint'] : undefined);
  const xdsAddress = str(v, 'xds-address', '');
  const stateDir = str(v, 'state-dir', '');
  let policySource;
  if (xdsAddress) {
    if (!stateDir) throw new Error('--state-dir is required with --xds-address (root certificate and token)');
    policySource = createXdsPolicySource({
      address: xdsAddress,
      tls: { rootsPem: [readFileSync(join(stateDir, 'ca', 'root-cert.pem'), 'utf8')], servername: str(v, 'xds-servername', 'istiod.istio-system.svc') },
      token: brainToken(join(stateDir, 'tokens', `waypoint-${ns}-${name}.token`)),
      nodeId: `brain~${address}~${name}.${ns}~${ns}.svc.cluster.local`,
      logger,
    });
  } else logger.warn('no --xds-address: no policies will arrive; Check denies until policies are set');
  const grpcTarget = str(v, 'grpc', `${address.includes(':') ? `[${address}]` : address}:${PORTS.brainGrpc}`);
  const brain = createBrain(
    { waypoint, grpcTarget, httpHost: address, metricsPort: num(v, 'metrics-port', PORTS.metrics), readinessPort: num(v, 'readiness-port', PORTS.readiness) },
    { logger, registry, ...(tracing.tracer ? { tracer: tracing.tracer } : {}), ...(policySource ? { policySource } : { policySource: { start: () => undefined, close: () => undefined } }) },
  );
  await brain.start();
  await waitForShutdownSignal();
  logger.info('shutting down');
  await brain.close();
  await tracing.shutdown();
  return 0;
}

/** The waypoint's token file, re-read (at most once a second) at each ADS (re)connect: the control plane rotates it. */
function brainToken(path: string): () => string {
  return fileTokenSource(path, readFileSync(path, 'utf8').trim());
}
