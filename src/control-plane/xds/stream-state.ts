/**
 * State one ADS stream keeps per type URL, shared by the SotW and Delta handlers, and its `/debug/xds` view.
 * The protocol position is a discriminated union: nothing sent yet, a response awaiting its ACK, acked, nacked.
 */
import type { XdsClientInfo } from './generator.js';
import type { XdsCaller } from './client-info.js';
import { HeldVersions } from './held-versions.js';

export type TypeStatus =
  | { readonly kind: 'awaiting-request' }
  | { readonly kind: 'sent'; readonly nonce: string; readonly version: string }
  | { readonly kind: 'acked'; readonly nonce: string; readonly version: string }
  | { readonly kind: 'nacked'; readonly nonce: string; readonly version: string; readonly message: string };

export interface NackRecord {
  readonly nonce: string;
  readonly version: string;
  readonly message: string;
  readonly code: number;
  readonly at: string;
}

export interface TypeState {
  readonly typeUrl: string;
  /** Whether this server has a generator for the type (else it answers with nothing). */
  readonly served: boolean;
  /** Wildcard subscription (every resource of the type). */
  wildcard: boolean;
  /** Explicitly subscribed names (resource names or aliases). */
  readonly names: Set<string>;
  /** Delta: name → version the client holds (as sent by us or declared in initial_resource_versions). */
  readonly held: HeldVersions;
  /** Push epoch (XdsCache.version) the last response for this type was computed at; -1 = never. */
  meshVersion: number;
  status: TypeStatus;
  /** Nonces sent for this type, newest last, with the version each carried (bounded). */
  readonly sentNonces: Map<string, string>;
  lastSentVersion?: string;
  lastAckedVersion?: string;
  lastNack?: NackRecord;
  /** Delta: a full push waits for a gate slot, or holds one until this nonce is answered. */
  fullPush?: { readonly kind: 'queued' } | { readonly kind: 'in-flight'; readonly nonce: string } | undefined;
  /** SotW: digest of the last resource set sent, to skip pushes that change nothing for this client. */
  lastDigest?: string;
}

export function newTypeState(typeUrl: string, served: boolean): TypeState {
  return {
    typeUrl,
    served,
    wildcard: false,
    names: new Set(),
    held: new HeldVersions(),
    meshVersion: -1,
    status: { kind: 'awaiting-request' },
    sentNonces: new Map(),
  };
}

const MAX_REMEMBERED_NONCES = 64;

/** Records a response nonce for later ACK/NACK matching. */
export function rememberNonce(state: TypeState, nonce: string, version: string): void {
  state.sentNonces.set(nonce, version);
  if (state.sentNonces.size > MAX_REMEMBERED_NONCES) {
    const oldest = state.sentNonces.keys().next().value;
    if (oldest !== undefined) state.sentNonces.delete(oldest);
  }
  state.status = { kind: 'sent', nonce, version };
  state.lastSentVersion = version;
}

/** Nonces are `<streamId>-<counter>`: unique per server, never reused, cheap to check. */
export function createNonceSource(streamId: number): { next(): string; issued(nonce: string): boolean } {
  let counter = 0;
  const prefix = `${streamId}-`;
  return {
    next: () => `${prefix}${++counter}`,
    issued(nonce) {
      if (!nonce.startsWith(prefix)) return false;
      const n = Number(nonce.slice(prefix.length));
      return Number.isInteger(n) && n >= 1 && n <= counter;
    },
  };
}

export interface StreamRecord {
  readonly id: number;
  readonly protocol: 'sotw' | 'delta';
  readonly caller: XdsCaller;
  readonly connectedAt: string;
  client?: XdsClientInfo;
  readonly types: Map<string, TypeState>;
}

export function debugView(s: StreamRecord): Record<string, unknown> {
  return {
    stream: s.id,
    protocol: s.protocol,
    nodeId: s.client?.nodeId ?? '',
    proxyType: s.client?.proxyType ?? 'unknown',
    caller: s.caller,
    connectedAt: s.connectedAt,
    types: [...s.types.values()].map((t) => ({
      typeUrl: t.typeUrl,
      served: t.served,
      subscription: t.wildcard ? ['*', ...t.names] : [...t.names],
      state: t.status.kind,
      lastSentVersion: t.lastSentVersion ?? null,
      lastAckedVersion: t.lastAckedVersion ?? null,
      lastNack: t.lastNack ?? null,
    })),
  };
}
