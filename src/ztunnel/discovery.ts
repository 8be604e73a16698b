/**
 * Workload discovery over Delta ADS (Istio's WDS: Address + Authorization), applied to the state store. The store
 * is never cleared on disconnect, so the ztunnel keeps forwarding on its last config while the control plane is down;
 * the client reconnects with `initial_resource_versions` and receives only what changed.
 */
import { DEFAULT_CLUSTER_ID, TYPE_URLS } from '../shared/constants.js';
import type { Logger } from '../shared/telemetry/logger.js';
import { createDeltaClient } from '../shared/xds/delta-client.js';
import { decodeAddress, decodeAuthorization } from '../shared/xds/wds-codec.js';
import type { StateStore } from './state/store.js';
import { applyWds } from './state/wds-apply.js';
import type { DiscoverySource } from './ztunnel.js';

export interface WdsDiscoveryConfig {
  /** Control plane `host:port` (TLS, 15012). */
  readonly address: string;
  /** Roots that sign the control plane's serving certificate; undefined = plaintext (local debugging). */
  readonly rootsPem?: readonly string[];
  /** TLS name to verify (the control plane's certificate names `istiod`). */
  readonly servername?: string;
  /** Bearer token, or a function re-reading it at every (re)connect (a rotated token file is picked up). */
  readonly token?: string | (() => string);
  readonly nodeName: string;
  readonly nodeAddress: string;
  readonly backoffMs?: number;
}

/** Istio's ztunnel node id: `ztunnel~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`. */
export function ztunnelNodeId(nodeName: string, nodeAddress: string): string {
  return `ztunnel~${nodeAddress}~ztunnel-${nodeName}.istio-system~istio-system.svc.cluster.local`;
}

export function createWdsDiscovery(config: WdsDiscoveryConfig, deps: { state: StateStore; logger: Logger }): DiscoverySource {
  const received = new Set<string>();
  let connected = false;
  const client = createDeltaClient({
    address: config.address,
    ...(config.rootsPem ? { tls: { rootsPem: config.rootsPem, ...(config.servername ? { servername: config.servername } : {}) } } : {}),
    ...(config.token ? { token: config.token } : {}),
    node: {
      id: ztunnelNodeId(config.nodeName, config.nodeAddress),
      metadata: { NAME: `ztunnel-${config.nodeName}`, NAMESPACE: 'istio-system', NODE_NAME: config.nodeName, INSTANCE_IPS: config.nodeAddress, CLUSTER_ID: DEFAULT_CLUSTER_ID },
    },
    typeUrls: [TYPE_URLS.address, TYPE_URLS.authorization],
    onResources: (typeUrl, added, removed) => {
      // Rejected resources are named so the client still records the versions of those that applied.
      const result = applyWds(deps.state, { decodeAddress, decodeAuthorization }, typeUrl, added, removed);
      // Synced once the first response of the type is processed, NACKed or not, as Istio's ztunnel: holding
      // readiness until every resource is acceptable would keep every node down over one bad policy. The delta client
      // logs the NACK and the control plane's debug view shows it.
      received.add(typeUrl);
      return result;
    },
    onConnectionChange: (c) => {
      connected = c;
      deps.logger.info(c ? 'workload discovery connected' : 'workload discovery disconnected; forwarding on last config', { address: config.address });
    },
    logger: deps.logger,
    ...(config.backoffMs !== undefined ? { backoffMs: config.backoffMs } : {}),
  });
  return {
    start: () => client.start(),
    close: () => client.close(),
    // Ready once both workloads and policies arrived: ready without policies would be a window with no L4 authorization.
    // Our control plane answers every wildcard subscription, even with an empty set, so an empty policy set still syncs.
    synced: () => received.has(TYPE_URLS.address) && received.has(TYPE_URLS.authorization),
    connected: () => connected,
  };
}
