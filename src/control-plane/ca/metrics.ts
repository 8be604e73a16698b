/**
 * Prometheus instruments for the CA service, named as istiod's (security/pkg/server/ca/monitoring.go) so existing
 * Istio dashboards keep working, plus a per-reason denial counter.
 */
import { Counter, type Registry } from 'prom-client';
import type { CaServiceMetrics } from './ca-service.js';

export function createCaMetrics(registry: Registry): CaServiceMetrics {
  const registers = [registry];
  const csrs = new Counter({ name: 'citadel_server_csr_count', help: 'Certificate signing requests received.', registers });
  const issued = new Counter({
    name: 'citadel_server_success_cert_issuance_count',
    help: 'Certificates issued.',
    registers,
  });
  const authnFailures = new Counter({
    name: 'citadel_server_authentication_failure_count',
    help: 'Certificate requests from callers that could not be authenticated.',
    registers,
  });
  const denied = new Counter({
    name: 'ambit_ca_certificates_denied_total',
    help: 'Certificate requests refused, by reason (unauthenticated, permission-denied, invalid-argument, internal).',
    labelNames: ['reason'],
    registers,
  });
  return {
    certificatesIssued: {
      inc() {
        csrs.inc();
        issued.inc();
      },
    },
    certificatesDenied: {
      inc({ reason }) {
        csrs.inc();
        if (reason === 'unauthenticated') authnFailures.inc();
        denied.inc({ reason });
      },
    },
  };
}
