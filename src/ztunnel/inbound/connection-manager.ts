/**
 * Active inbound connections, re-authorized when policies or workloads change: a connection now denied is reset
 * (Istio ztunnel's PolicyWatcher / `AuthorizationPolicyLateRejection`).
 */
import type { Logger } from '../../shared/telemetry/logger.js';
import { evaluate, type ConnectionAttributes } from '../authz/evaluate.js';
import type { StateStore } from '../state/store.js';

export interface TrackedConnection {
  readonly attrs: ConnectionAttributes;
  /** Closes the connection abruptly; `policy` names the policy that now denies it. */
  readonly reject: (policy: string) => void;
}

export interface ConnectionManager {
  /** Registers an authorized connection; call the returned function when it ends. */
  track(conn: TrackedConnection): () => void;
  size(): number;
  close(): void;
}

export function createConnectionManager(deps: { state: StateStore; logger: Logger }): ConnectionManager {
  const active = new Set<TrackedConnection>();
  let scheduled = false;
  const recheck = (): void => {
    scheduled = false;
    for (const c of [...active]) {
      const workload = deps.state.localWorkloadByIp(c.attrs.destinationIp);
      const decision = workload ? evaluate(deps.state.policiesFor(workload), c.attrs) : undefined;
      if (decision?.allow !== false) continue;
      active.delete(c);
      deps.logger.info('closing connection: no longer allowed by policy', { policy: decision.policy, source: c.attrs.sourceIdentity ?? c.attrs.sourceIp, destination: `${c.attrs.destinationIp}:${c.attrs.destinationPort}` });
      c.reject(decision.policy);
    }
  };
  // Coalesce bursts of WDS updates into one pass.
  const unsubscribe = deps.state.onChange(() => {
    if (scheduled || active.size === 0) return;
    scheduled = true;
    queueMicrotask(recheck);
  });
  return {
    track(conn) {
      active.add(conn);
      return () => active.delete(conn);
    },
    size: () => active.size,
    close() {
      unsubscribe();
      active.clear();
    },
  };
}
