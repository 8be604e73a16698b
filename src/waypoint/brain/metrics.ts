/** The brain's own instruments, built on a registry the composition root passes in (no global registry). */
import { Counter, type Registry } from 'prom-client';

export interface BrainMetrics {
  readonly decisions: Counter<'decision' | 'reason'>;
  readonly dryRunDecisions: Counter<'policy' | 'namespace' | 'result'>;
  readonly jwtRejections: Counter<'reason'>;
  readonly stickyAssignments: Counter<'route' | 'backend'>;
}

export function createBrainMetrics(registry: Registry): BrainMetrics {
  const registers = [registry];
  return {
    decisions: new Counter({
      name: 'ambit_authz_decisions_total',
      help: 'Enforced L7 authorization decisions by the waypoint brain',
      labelNames: ['decision', 'reason'],
      registers,
    }),
    dryRunDecisions: new Counter({
      name: 'ambit_authz_dry_run_decisions_total',
      help: 'Decisions dry-run (istio.io/dry-run) policies would have made; never enforced',
      labelNames: ['policy', 'namespace', 'result'],
      registers,
    }),
    jwtRejections: new Counter({
      name: 'ambit_jwt_rejections_total',
      help: 'Requests rejected with 401 because a JWT was present but invalid',
      labelNames: ['reason'],
      registers,
    }),
    stickyAssignments: new Counter({
      name: 'ambit_sticky_assignments_total',
      help: 'Sticky canary backend assignments made by ext_proc',
      labelNames: ['route', 'backend'],
      registers,
    }),
  };
}
