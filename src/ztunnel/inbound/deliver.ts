/**
 * The part of inbound shared by HBONE (15008) and plaintext (15006): check the destination is a local workload on a
 * legal port, apply its L4 AuthorizationPolicies, then connect to it in plaintext.
 */
import * as net from 'node:net';
import { ILLEGAL_DESTINATION_PORTS } from '../../shared/constants.js';
import { evaluate, type AuthzDecision, type DryRunVerdict } from '../authz/evaluate.js';
import type { StateStore } from '../state/store.js';
import type { ZWorkload } from '../state/types.js';
import { CONNECT_TIMEOUT_MS, type ResponseFlag } from '../hbone/constants.js';
import type { ConnectionOutcome } from '../access-log.js';

export interface InboundTarget {
  readonly workload: ZWorkload;
  readonly ip: string;
  readonly port: number;
  readonly sourceIdentity?: string;
  readonly sourceIp: string;
}

/** `dryRun`: each dry-run policy's verdict in the decision that stood (for `ambit_authz_dry_run_decisions_total`). */
export type DeliverResult =
  | { readonly ok: true; readonly upstream: net.Socket; readonly policy: ConnectionOutcome['policy']; readonly dryRun: readonly DryRunVerdict[] }
  | { readonly ok: false; readonly status: 401 | 503; readonly flag: ResponseFlag; readonly error: string; readonly policy?: ConnectionOutcome['policy']; readonly dryRun?: readonly DryRunVerdict[] };

export function policyOutcome(d: AuthzDecision): NonNullable<ConnectionOutcome['policy']> {
  const dryRun = d.dryRunDenials.length > 0 ? { dryRunDenials: d.dryRunDenials } : {};
  return d.allow ? { decision: 'allow', ...(d.policy ? { name: d.policy } : {}), ...dryRun } : { decision: 'deny', name: d.policy, reason: d.reason, ...dryRun };
}

export async function authorizeAndConnect(
  state: StateStore,
  t: InboundTarget,
  connectTimeoutMs = CONNECT_TIMEOUT_MS,
  connect: typeof connectTcp = connectTcp,
): Promise<DeliverResult> {
  if (ILLEGAL_DESTINATION_PORTS.has(t.port)) return { ok: false, status: 503, flag: 'CONNECT', error: `port ${t.port} is reserved for the proxy` };
  const attrs = { ...(t.sourceIdentity ? { sourceIdentity: t.sourceIdentity } : {}), sourceIp: t.sourceIp, destinationIp: t.ip, destinationPort: t.port };
  const decide = (workload: ZWorkload): AuthzDecision => evaluate(state.policiesFor(workload), attrs);
  const denied = (d: AuthzDecision & { allow: false }): DeliverResult => ({ ok: false, status: 401, flag: 'DENY', error: `denied by ${d.policy}: ${d.reason}`, policy: policyOutcome(d), dryRun: d.dryRun });
  const decision = decide(t.workload);
  const { dryRun } = decision;
  if (!decision.allow) return denied(decision);
  const before = state.generation();
  let upstream: net.Socket;
  try {
    upstream = await connect(t.ip, t.port, connectTimeoutMs);
  } catch (e) {
    return { ok: false, status: 503, flag: 'CONNECT', error: `connect ${t.ip}:${t.port}: ${(e as Error).message}`, policy: policyOutcome(decision), dryRun };
  }
  // Policies may have changed during the dial (up to the connect timeout). The connection manager re-checks live
  // connections on every change, but this one is handed to it only now, with no await in between, so check again
  // here if anything changed, against the workload as it is now (a new selector-scoped policy arrives with an
  // updated Workload naming it).
  if (state.generation() === before) return { ok: true, upstream, policy: policyOutcome(decision), dryRun };
  const current = state.workloadByIp(t.ip);
  if (!current || current.uid !== t.workload.uid) {
    upstream.destroy();
    return { ok: false, status: 503, flag: 'CONNECT', error: `${t.ip} left this node during the dial`, policy: policyOutcome(decision), dryRun };
  }
  const now = decide(current);
  if (!now.allow) {
    upstream.destroy();
    return denied(now);
  }
  return { ok: true, upstream, policy: policyOutcome(now), dryRun: now.dryRun };
}

/** Plain TCP connect with a timeout; half-open allowed so FIN propagates one way at a time. */
export function connectTcp(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
