/**
 * The last step of both inbound paths (HBONE 15008 and plaintext 15006): relay an authorized connection while the
 * connection manager watches it, and record the outcome, including a late rejection when a policy change denies it.
 */
import type { ConnectionAttributes } from '../authz/evaluate.js';
import type { ConnectionOutcome, ConnectionTracker } from '../access-log.js';
import { relay, type RelayBudget, type RelayEnd } from '../proxy/relay.js';
import type { ConnectionManager } from './connection-manager.js';

export async function relayWatched(
  down: RelayEnd,
  up: RelayEnd,
  ctx: {
    readonly attrs: ConnectionAttributes;
    readonly tracker: ConnectionTracker;
    /** The decision that admitted the connection. */
    readonly policy: ConnectionOutcome['policy'];
    /** HTTP status already sent to the client (HBONE), if any. */
    readonly status?: number;
  },
  deps: { readonly connections: ConnectionManager; readonly relayBudget: RelayBudget },
): Promise<void> {
  const { tracker } = ctx;
  let lateDeny: string | undefined;
  const untrack = deps.connections.track({
    attrs: ctx.attrs,
    reject: (policy) => {
      lateDeny = policy;
      down.reset();
      up.reset();
    },
  });
  const outcome = await relay(down, up, { aToB: (n) => tracker.received(n), bToA: (n) => tracker.sent(n) }, deps.relayBudget);
  untrack();
  const policy = lateDeny ? { decision: 'deny' as const, name: lateDeny, reason: 'policy changed while connected' } : ctx.policy;
  tracker.finish(
    {
      flag: lateDeny ? 'DENY' : '-',
      ...(ctx.status !== undefined ? { status: ctx.status } : {}),
      ...(policy ? { policy } : {}),
      ...(outcome.error ? { error: outcome.error.message } : {}),
    },
    true,
  );
}
