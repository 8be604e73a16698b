/** Helpers for CA tests: temp dirs, a hand-built mesh, a TLS gRPC server on 127.0.41.x, openssl. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { MeshSnapshot, MeshWaypoint, Workload } from '../../src/shared/model/mesh.js';
import { spiffeId } from '../../src/shared/constants.js';
import { pod } from '../xds/mesh-factory.js';
import { silentLogger } from '../../src/shared/telemetry/logger.js';
import type { AuthResult } from '../../src/control-plane/auth/caller.js';
import type { CertificateAuthority } from '../../src/control-plane/ca/certificate-authority.js';
import { registerCaService, type CaServiceMetrics } from '../../src/control-plane/ca/ca-service.js';
import { createRotatingServerCredentials, type RotatingServerCredentials } from '../../src/control-plane/ca/serving-cert.js';

/** This engineer's loopback range (docs: tests partition 127.0.0.0/8). */
export const TEST_IP = '127.0.41.1';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ambit-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pod on `node` as the CA sees it (no node address), built by the xDS tests' pod factory. */
export function workload(name: string, namespace: string, serviceAccount: string, node: string): Workload {
  const { nodeAddress: _unused, ...w } = pod(name, '10.0.0.1', { namespace, serviceAccount, node, labels: {} });
  return w;
}

export function waypoint(namespace: string, name: string): MeshWaypoint {
  return {
    name,
    namespace,
    key: `${namespace}/${name}`,
    for: 'service',
    serviceAccount: name,
    identity: spiffeId('cluster.local', namespace, name),
    services: [],
    workloads: [],
    problems: [],
    annotations: {},
  };
}

export function mesh(workloads: readonly Workload[], waypoints: readonly MeshWaypoint[] = []): MeshSnapshot {
  return {
    version: 1,
    options: { trustDomain: 'cluster.local', rootNamespace: 'istio-system', clusterId: 'Kubernetes', domainSuffix: 'cluster.local' },
    nodes: new Map(),
    workloads: new Map(workloads.map((w) => [w.uid, w])),
    services: new Map(),
    waypoints: new Map(waypoints.map((w) => [w.key, w])),
    policies: new Map(),
    requestAuthentications: new Map(),
    httpRoutes: new Map(),
    namespaces: new Map(),
  };
}

/** Counting metrics double. */
export function countingMetrics(): CaServiceMetrics & { issued: number; denied: Record<string, number> } {
  const m = {
    issued: 0,
    denied: {} as Record<string, number>,
    certificatesIssued: { inc: () => void m.issued++ },
    certificatesDenied: { inc: ({ reason }: { reason: string }) => void (m.denied[reason] = (m.denied[reason] ?? 0) + 1) },
  };
  return m;
}

export interface RunningCaServer {
  readonly address: string;
  readonly creds: RotatingServerCredentials;
  close(): Promise<void>;
}

/** A TLS gRPC server on TEST_IP:0 serving the CA service, with a serving cert from the same CA. */
export async function startCaServer(
  ca: CertificateAuthority,
  authenticate: (md: grpc.Metadata) => AuthResult,
  snapshot: MeshSnapshot,
  metrics?: CaServiceMetrics,
): Promise<RunningCaServer> {
  const server = new grpc.Server();
  registerCaService(server, { ca, authenticate, mesh: () => snapshot, logger: silentLogger, ...(metrics ? { metrics } : {}) });
  const creds = await createRotatingServerCredentials(ca, { bindAddresses: [TEST_IP], logger: silentLogger });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${TEST_IP}:0`, creds.credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `${TEST_IP}:${port}`,
    creds,
    close: async () => {
      creds.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** Runs `openssl verify`; returns its stdout (throws with stderr when verification fails). */
export function opensslVerify(dir: string, leafPem: string, rootsPem: string, intermediatesPem: readonly string[] = []): string {
  const root = join(dir, 'verify-root.pem');
  const leaf = join(dir, 'verify-leaf.pem');
  writeFileSync(root, rootsPem);
  writeFileSync(leaf, leafPem);
  const args = ['verify', '-CAfile', root];
  if (intermediatesPem.length > 0) {
    const inter = join(dir, 'verify-inter.pem');
    writeFileSync(inter, intermediatesPem.join(''));
    args.push('-untrusted', inter);
  }
  args.push(leaf);
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl x509 -text` of a PEM. */
export function opensslText(dir: string, pem: string): string {
  const p = join(dir, 'text.pem');
  writeFileSync(p, pem);
  return execFileSync('openssl', ['x509', '-in', p, '-noout', '-text'], { encoding: 'utf8' });
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** The CSR with one byte of its signature (near the end of the DER) flipped. */
export function tamperCsr(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 5] = der[der.length - 5]! ^ 0xff;
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}
