/** Control-plane metrics, built on a registry handed in by the composition root (no global registry). */
import { Counter, Gauge, type Registry } from 'prom-client';
import { CONFIG_KINDS, formatConfigError, type ConfigSnapshot } from '../shared/model/objects.js';

export interface ControlPlaneMetrics {
  /** `ambit_config_objects{kind}`: accepted objects by kind. */
  readonly configObjects: Gauge<'kind'>;
  /** `ambit_config_errors`: errors in the current configuration. */
  readonly configErrors: Gauge;
  /** `ambit_config_errors_total`: errors ever reported (each distinct error counted when it first appears). */
  readonly configErrorsTotal: Counter;
  /** `ambit_certificates_issued_total`: called by the CA on every signed certificate. */
  readonly certificatesIssued: Counter;
  /** `ambit_certificates_denied_total{reason}`: called by the CA on every refused CSR. */
  readonly certificatesDenied: Counter<'reason'>;
  /** Updates the config gauges/counters from a new snapshot. */
  observeConfig(snapshot: ConfigSnapshot): void;
}

export function createControlPlaneMetrics(registry: Registry): ControlPlaneMetrics {
  const registers = [registry];
  const configObjects = new Gauge({ name: 'ambit_config_objects', help: 'Accepted configuration objects by kind', labelNames: ['kind'] as const, registers });
  const configErrors = new Gauge({ name: 'ambit_config_errors', help: 'Errors in the current configuration', registers });
  const configErrorsTotal = new Counter({ name: 'ambit_config_errors_total', help: 'Configuration errors reported since start', registers });
  const certificatesIssued = new Counter({ name: 'ambit_certificates_issued_total', help: 'Workload certificates issued', registers });
  const certificatesDenied = new Counter({
    name: 'ambit_certificates_denied_total',
    help: 'Certificate signing requests refused, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  let seenErrors = new Set<string>();
  return {
    configObjects,
    configErrors,
    configErrorsTotal,
    certificatesIssued,
    certificatesDenied,
    observeConfig(snapshot) {
      const counts = new Map<string, number>(CONFIG_KINDS.map((k) => [k, 0]));
      for (const o of snapshot.objects.values()) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
      for (const [kind, n] of counts) configObjects.set({ kind }, n);
      configErrors.set(snapshot.errors.length);
      const current = new Set(snapshot.errors.map(formatConfigError));
      let fresh = 0;
      for (const e of current) if (!seenErrors.has(e)) fresh++;
      if (fresh > 0) configErrorsTotal.inc(fresh);
      seenErrors = current;
    },
  };
}
