/** Who is calling the control plane, as established by an authenticator from gRPC metadata. */
import type * as grpc from '@grpc/grpc-js';

export type Caller =
  /** A node proxy (ztunnel) holding its node's bootstrap token; may act for workloads on that node. */
  | { readonly kind: 'node'; readonly node: string }
  /** A waypoint holding its own bootstrap token; may only act as itself. */
  | { readonly kind: 'waypoint'; readonly namespace: string; readonly name: string }
  /** Anyone on the loopback-only plaintext debug port (15010); see docs/security.md. */
  | { readonly kind: 'local-debug' };

export type AuthResult = Caller | { readonly error: string };

export type Authenticator = (metadata: grpc.Metadata) => AuthResult;

/**
 * Accepts every caller as `local-debug`. Only for the plaintext port bound to 127.0.0.1 (Istio's :15010), where
 * reaching the socket already requires a local process.
 */
export const localDebugAuthenticator: Authenticator = () => ({ kind: 'local-debug' });

/** Human-readable caller, for log lines and denial messages. */
export function describeCaller(caller: Caller): string {
  switch (caller.kind) {
    case 'node':
      return `node "${caller.node}"`;
    case 'waypoint':
      return `waypoint "${caller.namespace}/${caller.name}"`;
    case 'local-debug':
      return 'local debug client';
  }
}

/** The token of an `authorization: Bearer <token>` header, or a message saying what is wrong. */
export function bearerToken(metadata: grpc.Metadata): { token: string } | { error: string } {
  const values = metadata.get('authorization');
  if (values.length === 0) return { error: 'no "authorization: Bearer <token>" metadata' };
  if (values.length > 1) return { error: 'more than one authorization metadata value' };
  const value = values[0];
  const m = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  if (!m) return { error: 'authorization metadata is not of the form "Bearer <token>"' };
  return { token: m[1]! };
}
