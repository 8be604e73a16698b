/**
 * Policy source over Delta xDS: subscribes to the ambit.waypoint.v1 resources for this waypoint plus
 * `istio.workload.Address` (workloads and services, for metric labels and VIP → service), using the shared Delta
 * client (reconnects with backoff; the store keeps the last accepted set while disconnected).
 */
import { TYPE_URLS } from '../../shared/constants.js';
import { createDeltaClient, type DeltaClient, type DeltaResource } from '../../shared/xds/delta-client.js';
import { bytesToIp } from '../../shared/xds/ip-bytes.js';
import { decodeAddress } from '../../shared/xds/wds-codec.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import type { PolicySink, PolicySource } from './brain.js';
import type { ServiceInfo, WorkloadInfo } from './workload-index.js';

export interface XdsPolicySourceConfig {
  /** `host:port` of the control plane's xDS endpoint. */
  readonly address: string;
  readonly tls?: { readonly rootsPem: readonly string[]; readonly servername?: string };
  /** Bearer token, or a function asked at every (re)connect so a rotated token file is picked up. */
  readonly token?: string | (() => string);
  /** `brain~<waypoint address>~<name>.<ns>~<ns>.svc.cluster.local`. */
  readonly nodeId: string;
  readonly logger: Logger;
}

type Plain = Record<string, unknown>;
const ips = (list: unknown): string[] =>
  (Array.isArray(list) ? list : []).flatMap((b: unknown) => {
    const bytes = b instanceof Uint8Array ? b : (b as { address?: Uint8Array } | null)?.address;
    const ip = bytes ? bytesToIp(bytes) : undefined;
    return ip ? [ip] : [];
  });

function toWorkload(w: Plain): WorkloadInfo {
  const s = (k: string) => (typeof w[k] === 'string' ? (w[k] as string) : '');
  return {
    uid: s('uid'), name: s('name'), namespace: s('namespace'), workloadName: s('workload_name') || s('name'),
    serviceAccount: s('service_account') || 'default', trustDomain: s('trust_domain') || 'cluster.local',
    canonicalName: s('canonical_name'), canonicalRevision: s('canonical_revision'), addresses: ips(w.addresses),
  };
}

function toService(v: Plain): ServiceInfo {
  return { name: String(v.name ?? ''), namespace: String(v.namespace ?? ''), hostname: String(v.hostname ?? ''), vips: ips(v.addresses) };
}

export function addressUpdates(added: readonly DeltaResource[]): { name: string; workload?: WorkloadInfo; service?: ServiceInfo }[] {
  return added.map((r) => {
    const a = decodeAddress(r.resource);
    if (a.workload) return { name: r.name, workload: toWorkload(a.workload as Plain) };
    if (a.service) return { name: r.name, service: toService(a.service as Plain) };
    return { name: r.name };
  });
}

export function createXdsPolicySource(config: XdsPolicySourceConfig): PolicySource {
  let client: DeltaClient | undefined;
  return {
    start(sink: PolicySink) {
      client = createDeltaClient({
        address: config.address,
        ...(config.tls ? { tls: config.tls } : {}),
        ...(config.token ? { token: config.token } : {}),
        node: { id: config.nodeId },
        typeUrls: [...sink.typeUrls, TYPE_URLS.address],
        logger: config.logger,
        onConnectionChange: (up) => config.logger.info(up ? 'xds connected' : 'xds disconnected; enforcing last good policies'),
        onResources(typeUrl, added, removed) {
          if (typeUrl !== TYPE_URLS.address) return sink.apply(typeUrl, added, removed);
          try {
            sink.workloads.update(addressUpdates(added), removed);
            return [];
          } catch (e) {
            return [(e as Error).message];
          }
        },
      });
      client.start();
    },
    close() {
      client?.close();
    },
  };
}
