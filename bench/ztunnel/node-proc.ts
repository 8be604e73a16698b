/**
 * One ztunnel in its own process for the benchmark, with static state and pre-issued certificates from a JSON spec
 * (no control plane, so the numbers are the data path only).
 * Usage: node dist/bench/ztunnel/node-proc.js <spec.json>
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import { createZtunnel } from '../../src/ztunnel/ztunnel.js';
import type { ZWorkload } from '../../src/ztunnel/state/types.js';

export interface NodeSpec {
  readonly node: string;
  readonly address: string;
  readonly rootPem: string;
  readonly nodes: Record<string, string>;
  readonly workloads: ZWorkload[];
  readonly certs: Record<string, { keyPem: string; chain: string[] }>;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NodeSpec;
const zt = createZtunnel(
  { nodeName: spec.node, listenAddress: spec.address, rootsPem: [spec.rootPem], nodeAddresses: new Map(Object.entries(spec.nodes)), ports: { inboundPlaintext: 0, admin: 0, metrics: 0, readiness: 0 } },
  {
    certificateSource: { fetch: async (id) => spec.certs[id] ?? Promise.reject(new Error(`no certificate for ${id}`)) },
    registry: new Registry(),
    logger: silentLogger,
  },
);
for (const w of spec.workloads) zt.state.upsertWorkload(w);
await zt.start();
process.send?.('ready');
process.on('disconnect', () => void zt.close().then(() => process.exit(0)));
process.on('SIGTERM', () => process.exit(0)); // lets --cpu-prof write its profile
