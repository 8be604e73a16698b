/**
 * Composition of one node's ztunnel: state (fed by WDS or directly), certificates for local identities, HBONE
 * server + client pool, SOCKS5 outbound, plaintext inbound, metrics, access log and admin ports. Several can run in
 * one process (no globals), each on its own node address.
 */
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { PORTS, DEFAULT_TRUST_DOMAIN } from '../shared/constants.js';
import type { LevelControl, Logger } from '../shared/telemetry/logger.js';
import { createStateStore, type StateStore } from './state/store.js';
import { createCertManager, type CertificateSource, type CertManager } from './identity/cert-manager.js';
import { createHbonePool, type HbonePool } from './hbone/client-pool.js';
import { createHboneServer } from './hbone/server.js';
import { createSocks5Server } from './socks5/server.js';
import { createPlaintextInbound } from './inbound/plaintext.js';
import { createZtunnelMetrics } from './metrics.js';
import { createAdminServers } from './admin/http-servers.js';
import { createConnectionManager } from './inbound/connection-manager.js';
import type { ZWorkload } from './state/types.js';
import type { ResolveOptions } from './state/resolve.js';
import { createRelayBudget } from './proxy/relay.js';

export interface ZtunnelPorts {
  readonly hbone: number;
  readonly socks5: number;
  readonly inboundPlaintext: number;
  readonly admin: number;
  readonly metrics: number;
  readonly readiness: number;
}

export interface ZtunnelConfig {
  readonly nodeName: string;
  /** Node address: HBONE, SOCKS5, plaintext inbound, metrics and readiness bind here. */
  readonly listenAddress: string;
  /** Admin (config_dump) address; default 127.0.0.1. */
  readonly adminAddress?: string;
  /** Port overrides; 0 = any free port (tests). Defaults are Istio's. */
  readonly ports?: Partial<ZtunnelPorts>;
  /** Service DNS suffix; default `cluster.local`. */
  readonly domainSuffix?: string;
  /** Resolver for SOCKS5 names outside the mesh (tests); default the system resolver. */
  readonly dnsLookup?: ResolveOptions['lookup'];
  /** Mesh root certificates (PEM) for verifying HBONE peers. */
  readonly rootsPem: readonly string[];
  /** Node name → address for HBONE dialing when WDS does not carry it. */
  readonly nodeAddresses?: ReadonlyMap<string, string>;
  /** HBONE pool tuning (tests). */
  readonly pool?: { readonly idleTimeoutMs?: number; readonly maxStreamsPerConnection?: number };
}

/** A source of workload discovery (the Delta ADS client in production; absent when tests feed `state` directly). */
export interface DiscoverySource {
  start(): void;
  close(): void;
  /** True once the initial workloads have been applied. */
  synced(): boolean;
  /** Whether the stream to the control plane is up (config_dump). */
  connected?(): boolean;
}

export interface ZtunnelDeps {
  readonly certificateSource: CertificateSource;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Where access-log lines go; default `logger` with `{ scope: 'access' }`. */
  readonly accessLog?: Logger;
  /** Built with the ztunnel's state store so it can apply WDS updates to it. */
  readonly discovery?: (state: StateStore) => DiscoverySource;
  /** The process log level, changed by admin `POST /logging?level=`. */
  readonly logLevel?: LevelControl;
  /** What admin `POST /quitquitquit` does: the process's graceful shutdown (as SIGTERM). */
  readonly quit?: () => void;
}

export interface Ztunnel {
  readonly state: StateStore;
  readonly certs: CertManager;
  readonly pool: HbonePool;
  start(): Promise<Record<keyof ZtunnelPorts, AddressInfo>>;
  /** Stops accepting and gives live connections `drainMs` (default 0) to finish before closing them. */
  close(drainMs?: number): Promise<void>;
  configDump(): unknown;
  /** Pending readiness tasks; empty = ready. */
  pending(): string[];
}

export function createZtunnel(config: ZtunnelConfig, deps: ZtunnelDeps): Ztunnel {
  const logger = deps.logger.child({ component: 'ztunnel', node: config.nodeName });
  const accessLog = deps.accessLog ?? logger.child({ scope: 'access' });
  const ports: ZtunnelPorts = {
    hbone: PORTS.hbone,
    socks5: PORTS.socks5,
    inboundPlaintext: PORTS.inboundPlaintext,
    admin: PORTS.admin,
    metrics: PORTS.metrics,
    readiness: PORTS.readiness,
    ...config.ports,
  };
  const state = createStateStore({ nodeName: config.nodeName, ...(config.nodeAddresses ? { nodeAddresses: config.nodeAddresses } : {}) });
  const certs = createCertManager({}, { source: deps.certificateSource, logger });
  const metrics = createZtunnelMetrics(deps.registry);
  const rootsPem = (): readonly string[] => config.rootsPem;
  const pool = createHbonePool({ rootsPem, ...config.pool }, { certs, logger });
  const connections = createConnectionManager({ state, logger });
  const common = { state, metrics, accessLog, logger, connections, relayBudget: createRelayBudget() };
  const hbone = createHboneServer({ listenAddress: config.listenAddress, port: ports.hbone, rootsPem }, { ...common, certs });
  const socks5 = createSocks5Server(
    { listenAddress: config.listenAddress, port: ports.socks5 },
    { ...common, pool, resolve: { domainSuffix: config.domainSuffix ?? DEFAULT_TRUST_DOMAIN, ...(config.dnsLookup ? { lookup: config.dnsLookup } : {}) } },
  );
  const plaintext = createPlaintextInbound({ listenAddress: config.listenAddress, port: ports.inboundPlaintext }, common);
  const discovery = deps.discovery?.(state);
  let listening = false;

  // Fetch certificates for the identities of local workloads in the background; drop the others.
  const unsubscribe = state.onChange(() => certs.retain(localIdentities(state.localWorkloads())));

  const pending = (): string[] => [...(listening ? [] : ['listeners']), ...(discovery && !discovery.synced() ? ['workload discovery'] : [])];

  const configDump = (): unknown => ({
    node: config.nodeName,
    address: config.listenAddress,
    discovery: discovery ? { synced: discovery.synced(), connected: discovery.connected?.() ?? null } : 'static',
    workloads: state.workloads(),
    services: state.services(),
    policies: state.policies(),
    certificates: certs.snapshot(),
    hbonePool: pool.snapshot(),
    inboundConnections: connections.size(),
    relays: { activeDirections: common.relayBudget.active(), pauseBoundBytes: common.relayBudget.bound(), idlePooledBuffers: common.relayBudget.pool.idle() },
  });
  const admin = createAdminServers(
    { adminAddress: config.adminAddress ?? '127.0.0.1', adminPort: ports.admin, metricsAddress: config.listenAddress, metricsPort: ports.metrics, readinessPort: ports.readiness },
    { registry: deps.registry, configDump, pending, ...(deps.logLevel ? { logLevel: deps.logLevel } : {}), ...(deps.quit ? { quit: deps.quit } : {}) },
  );

  return {
    state,
    certs,
    pool,
    async start() {
      const [h, s, p, a] = await Promise.all([hbone.start(), socks5.start(), plaintext.start(), admin.start()]);
      listening = true;
      discovery?.start();
      certs.retain(localIdentities(state.localWorkloads()));
      logger.info('ztunnel started', { hbone: h.port, socks5: s.port, inboundPlaintext: p.port, admin: `${config.adminAddress ?? '127.0.0.1'}:${a.admin.port}`, metrics: a.metrics.port });
      return { hbone: h, socks5: s, inboundPlaintext: p, admin: a.admin, metrics: a.metrics, readiness: a.readiness };
    },
    async close(drainMs = 0) {
      listening = false; // readiness turns 500 while draining
      unsubscribe();
      discovery?.close();
      connections.close();
      await Promise.all([hbone.close(drainMs), socks5.close(drainMs), plaintext.close(drainMs)]);
      pool.close();
      await admin.close();
      certs.close();
    },
    configDump,
    pending,
  };
}

function localIdentities(workloads: readonly ZWorkload[]): Set<string> {
  return new Set(workloads.filter((w) => w.tunnel === 'HBONE').map((w) => w.identity));
}
