/** xDS server instruments, built on the registry the composition root passes in. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface XdsMetrics {
  readonly pushes: Counter<'type'>;
  readonly nacks: Counter<'type'>;
  readonly connectedClients: Gauge;
  /** Seconds from the mesh update reaching the server (before debounce) to the response being written. */
  readonly pushLatency: Histogram<'type'>;
}

export function createXdsMetrics(registry: Registry): XdsMetrics {
  return {
    pushes: new Counter({ name: 'ambit_xds_pushes_total', help: 'xDS responses sent, by type URL', labelNames: ['type'], registers: [registry] }),
    nacks: new Counter({ name: 'ambit_xds_nacks_total', help: 'xDS NACKs received, by type URL', labelNames: ['type'], registers: [registry] }),
    connectedClients: new Gauge({ name: 'ambit_xds_connected_clients', help: 'Open ADS streams', registers: [registry] }),
    pushLatency: new Histogram({
      name: 'ambit_xds_push_latency_seconds',
      help: 'Time from a mesh change reaching the xDS server to the response being written, by type URL',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
