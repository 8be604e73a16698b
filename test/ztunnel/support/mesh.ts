/** Test helpers: workloads/services/policies built directly (no xDS), two-node ztunnel setups, TCP echo servers. */
import * as net from 'node:net';
import { Registry } from 'prom-client';
import { createLogger, type Logger } from '../../../src/shared/telemetry/logger.js';
import { spiffeId } from '../../../src/shared/constants.js';
import type { PolicyMatch, ZPolicy, ZService, ZWorkload } from '../../../src/ztunnel/state/types.js';
import { createZtunnel, type Ztunnel, type ZtunnelConfig } from '../../../src/ztunnel/ztunnel.js';
import type { FakeCa } from './fake-ca.js';

export function workload(o: { name: string; namespace?: string; ip: string; node: string; sa?: string; services?: Record<string, { servicePort: number; targetPort: number }[]>; policies?: string[]; tunnel?: 'HBONE' | 'NONE'; waypoint?: ZWorkload['waypoint'] }): ZWorkload {
  const namespace = o.namespace ?? 'default';
  const sa = o.sa ?? o.name;
  return {
    uid: `Kubernetes//Pod/${namespace}/${o.name}`,
    name: o.name,
    namespace,
    addresses: [o.ip],
    node: o.node,
    trustDomain: 'cluster.local',
    serviceAccount: sa,
    identity: spiffeId('cluster.local', namespace, sa),
    network: '',
    tunnel: o.tunnel ?? 'HBONE',
    ...(o.waypoint ? { waypoint: o.waypoint } : {}),
    canonicalName: o.name,
    canonicalRevision: 'v1',
    workloadName: o.name,
    workloadType: 'deployment',
    clusterId: 'Kubernetes',
    services: o.services ?? {},
    authorizationPolicies: o.policies ?? [],
    healthy: true,
  };
}

export function service(o: { name: string; namespace?: string; vip: string; ports: { servicePort: number; targetPort: number }[]; waypoint?: ZService['waypoint'] }): ZService {
  const namespace = o.namespace ?? 'default';
  const hostname = `${o.name}.${namespace}.svc.cluster.local`;
  return { name: o.name, namespace, hostname, key: `${namespace}/${hostname}`, vips: [o.vip], ports: o.ports, subjectAltNames: [], ...(o.waypoint ? { waypoint: o.waypoint } : {}) };
}

export function match(m: Partial<PolicyMatch>): PolicyMatch {
  return {
    namespaces: [], notNamespaces: [], principals: [], notPrincipals: [], sourceIps: [], notSourceIps: [], destinationIps: [],
    notDestinationIps: [], destinationPorts: [], notDestinationPorts: [], serviceAccounts: [], notServiceAccounts: [], ...m,
  };
}

export function policy(o: { name: string; namespace?: string; action: 'ALLOW' | 'DENY'; scope?: ZPolicy['scope']; rules: PolicyMatch[][][]; dryRun?: boolean }): ZPolicy {
  const namespace = o.namespace ?? 'default';
  return { name: o.name, namespace, key: `${namespace}/${o.name}`, scope: o.scope ?? 'WORKLOAD_SELECTOR', action: o.action, rules: o.rules, dryRun: o.dryRun ?? false };
}

export interface TestNode {
  readonly zt: Ztunnel;
  readonly registry: Registry;
  readonly address: string;
  readonly logs: Record<string, unknown>[];
  readonly ports: Awaited<ReturnType<Ztunnel['start']>>;
}

/** Starts a ztunnel on `address` with HBONE on 15008 (fixed: peers dial <node>:15008) and other ports ephemeral. */
export async function startNode(name: string, address: string, ca: FakeCa, nodeAddresses: ReadonlyMap<string, string>, logger?: Logger, extra: Pick<ZtunnelConfig, 'dnsLookup'> = {}): Promise<TestNode> {
  const registry = new Registry();
  const logs: Record<string, unknown>[] = [];
  const log = logger ?? createLogger({ level: 'debug', write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) });
  const zt = createZtunnel(
    { nodeName: name, listenAddress: address, rootsPem: [ca.rootPem], nodeAddresses, ports: { socks5: 0, inboundPlaintext: 0, admin: 0, metrics: 0, readiness: 0 }, ...extra },
    { certificateSource: ca, registry, logger: log },
  );
  const ports = await zt.start();
  return { zt, registry, address, logs, ports };
}

/** A TCP echo server bound to a pod IP; records the peer addresses it saw. */
export async function echoServer(ip: string, port: number): Promise<{ server: net.Server; peers: string[]; close(): Promise<void> }> {
  const peers: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    peers.push(String(s.remoteAddress));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(port, ip, resolve));
  return {
    server,
    peers,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type SocksTarget = { ip: string; port: number } | { host: string; port: number };

/** Opens a SOCKS5 CONNECT from `localAddress`; resolves with the reply code and the socket (open on success). */
export function socksConnect(proxy: { host: string; port: number }, target: SocksTarget, localAddress: string): Promise<{ reply: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, localAddress, allowHalfOpen: true });
    let buf = Buffer.alloc(0);
    let stage: 'method' | 'reply' = 'method';
    socket.once('connect', () => socket.write(Buffer.from([5, 1, 0])));
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (stage === 'method' && buf.length >= 2) {
        if (buf[1] !== 0) return reject(new Error(`method rejected ${buf[1]}`));
        buf = buf.subarray(2);
        stage = 'reply';
        socket.write(encodeRequest(target));
      }
      if (stage === 'reply' && buf.length >= 10) {
        socket.off('data', onData);
        socket.pause();
        if (buf.length > 10) socket.unshift(buf.subarray(10));
        resolve({ reply: buf[1]!, socket });
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => (stage === 'reply' && buf.length < 10 ? resolve({ reply: -1, socket }) : undefined));
  });
}

function encodeRequest(t: SocksTarget): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(t.port);
  if ('host' in t) return Buffer.concat([Buffer.from([5, 1, 0, 3, t.host.length]), Buffer.from(t.host, 'latin1'), port]);
  if (net.isIPv4(t.ip)) return Buffer.concat([Buffer.from([5, 1, 0, 1]), Buffer.from(t.ip.split('.').map(Number)), port]);
  throw new Error('IPv6 targets: build the request by hand');
}

/** Writes `payload`, half-closes, and collects everything echoed until the peer closes. */
export function roundTrip(socket: net.Socket, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
    socket.resume();
    socket.end(payload);
  });
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  if (!m) return 0;
  return (m.values as { value: number; labels: Record<string, string | number> }[])
    .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
    .reduce((a, v) => a + v.value, 0);
}
