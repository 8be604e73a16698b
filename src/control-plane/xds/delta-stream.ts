/**
 * Incremental ADS (DeltaAggregatedResources): subscribe/unsubscribe, wildcard (empty first subscribe or `*`),
 * initial_resource_versions, removed_resources, one fresh nonce per response, ACK/NACK by response_nonce +
 * error_detail. Pushes are sent without waiting for ACKs (as istiod); a NACK is recorded, the rejected version stays
 * the one the client is assumed to hold, and the next change is sent normally.
 */
import * as grpc from '@grpc/grpc-js';
import type { XdsResource } from './generator.js';
import { clientInfo, type NodeMessage } from './client-info.js';
import { createNonceSource, newTypeState, rememberNonce, type StreamRecord, type TypeState } from './stream-state.js';
import { failStream, observePush, recordReply, type ProtocolStream, type StreamContext } from './stream-context.js';
import { checkResourceNames, checkTypeUrl } from './validate.js';

/** DeltaDiscoveryRequest as @grpc/proto-loader decodes it (keepCase, defaults off). */
interface DeltaRequest {
  readonly node?: NodeMessage | null;
  readonly type_url?: string;
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
  readonly response_nonce?: string;
  readonly error_detail?: { code?: number; message?: string } | null;
}

function wanted(state: TypeState, r: XdsResource): boolean {
  return state.wildcard || state.names.has(r.name) || (r.aliases?.some((a) => state.names.has(a)) ?? false);
}

export function createDeltaStream(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  record: StreamRecord,
  ctx: StreamContext,
): ProtocolStream {
  const nonces = createNonceSource(record.id);

  /** Sends what `state` is missing among `candidates` (all names when undefined); `force` sends even if empty. */
  const respond = (
    state: TypeState,
    candidates: Iterable<string> | undefined,
    force: boolean,
    onFlushed?: () => void,
  ): string | undefined => {
    const mesh = ctx.cache.current();
    if (!record.client || call.cancelled) return;
    if (!mesh && state.served) return undefined; // nothing to say until the first mesh; push() will answer
    const current = state.served ? ctx.cache.resources(state.typeUrl, record.client) : new Map<string, XdsResource>();
    const resources: XdsResource[] = [];
    const removed: string[] = [];
    const consider = (name: string): void => {
      const r = current.get(name);
      const held = state.held.get(name);
      if (r && wanted(state, r)) {
        if (held !== r.version) resources.push(r);
      } else if (held !== undefined) {
        removed.push(name);
      }
    };
    const fullWildcard = !candidates && state.wildcard;
    if (fullWildcard && state.held.isEmpty()) {
      resources.push(...current.values());
    } else if (candidates) {
      for (const name of candidates) consider(name);
    } else {
      for (const name of current.keys()) consider(name);
      for (const name of [...state.held.keys()]) if (!current.has(name)) consider(name);
    }
    state.meshVersion = ctx.cache.version();
    if (resources.length === 0 && removed.length === 0 && !force) return undefined;
    if (fullWildcard) {
      // After this response the client holds exactly the current output.
      state.held.resetTo(current);
    } else {
      for (const r of resources) state.held.set(r.name, r.version);
      for (const n of removed) state.held.delete(n);
    }
    const nonce = nonces.next();
    const version = String(state.meshVersion);
    rememberNonce(state, nonce, version);
    const full = resources.length === current.size ? current : undefined;
    const body = ctx.encoder.delta({ system_version_info: version, type_url: state.typeUrl, nonce, removed_resources: removed }, resources, full);
    if (onFlushed) call.write(body, onFlushed);
    else call.write(body);
    observePush(ctx, state.typeUrl);
    return nonce;
  };

  /**
   * A full comparison push (first answer, wildcard change, reconnect) goes through the gate; the slot is kept until
   * the response is flushed to HTTP/2 or answered. Incremental pushes are small and never wait.
   */
  const respondFull = (state: TypeState, force: boolean): void => {
    if (state.fullPush?.kind === 'queued') return;
    if (state.fullPush?.kind === 'in-flight') {
      respond(state, undefined, force);
      return;
    }
    state.fullPush = { kind: 'queued' };
    ctx.fullPushGate.acquire(() => {
      state.fullPush = undefined;
      let sent: string | undefined;
      // The slot frees when HTTP/2 has taken the bytes (or the client answered, or the stream ended).
      const nonce = closed ? undefined : respond(state, undefined, force, () => releaseSlot(state, sent));
      if (nonce === undefined) return ctx.fullPushGate.release();
      sent = nonce;
      state.fullPush = { kind: 'in-flight', nonce };
    });
  };

  const releaseSlot = (state: TypeState, nonce?: string): void => {
    if (state.fullPush?.kind === 'in-flight' && (nonce === undefined || state.fullPush.nonce === nonce)) {
      state.fullPush = undefined;
      ctx.fullPushGate.release();
    }
  };
  let closed = false;

  /** Names a subscription change brings in: the names themselves and, for aliases, the resource they point at. */
  const candidatesFor = (state: TypeState, added: readonly string[]): string[] => {
    if (!record.client || !state.served) return [...added];
    const client = record.client;
    return added.flatMap((n) => {
      const target = ctx.cache.aliasTarget(state.typeUrl, client, n);
      return target ? [n, target] : [n];
    });
  };

  const applySubscriptions = (state: TypeState, req: DeltaRequest, first: boolean): { added: string[]; all: boolean } => {
    const subscribe = req.resource_names_subscribe ?? [];
    const added: string[] = [];
    let all = false;
    if (first) {
      for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) state.held.set(name, version);
      // An empty first subscribe list is the legacy wildcard request.
      if (subscribe.length === 0) state.wildcard = all = true;
    }
    for (const name of subscribe) {
      if (name === '*') {
        if (!state.wildcard) state.wildcard = all = true;
      } else if (!state.names.has(name)) {
        state.names.add(name);
        added.push(name);
      }
    }
    for (const name of req.resource_names_unsubscribe ?? []) {
      if (name === '*') state.wildcard = false;
      else state.names.delete(name);
    }
    if (!state.wildcard) {
      // The client forgets what it unsubscribed from; it expects no removal notice for those.
      for (const held of [...state.held.keys()]) if (!state.names.has(held) && !isAliased(state, held)) state.held.delete(held);
    }
    return { added, all };
  };

  const isAliased = (state: TypeState, name: string): boolean => {
    if (!record.client || !state.served) return false;
    const r = ctx.cache.resources(state.typeUrl, record.client).get(name);
    return r?.aliases?.some((a) => state.names.has(a)) ?? false;
  };

  const invalid = (req: DeltaRequest): string | undefined =>
    checkTypeUrl(req.type_url ?? '') ??
    checkResourceNames('resource_names_subscribe', req.resource_names_subscribe ?? []) ??
    checkResourceNames('resource_names_unsubscribe', req.resource_names_unsubscribe ?? []) ??
    checkResourceNames('initial_resource_versions', Object.keys(req.initial_resource_versions ?? {}));

  return {
    record,
    handle(raw) {
      const req = raw as DeltaRequest;
      const problem = invalid(req);
      if (problem) return failStream(call, ctx.logger, grpc.status.INVALID_ARGUMENT, problem);
      const typeUrl = req.type_url!;
      record.client ??= clientInfo(record.caller, req.node);
      let state = record.types.get(typeUrl);
      const first = state === undefined;
      if (!state) record.types.set(typeUrl, (state = newTypeState(typeUrl, ctx.cache.hasType(typeUrl))));
      const nonce = req.response_nonce ?? '';
      if (nonce !== '') {
        if (!nonces.issued(nonce)) {
          return failStream(call, ctx.logger, grpc.status.INVALID_ARGUMENT, `response_nonce ${JSON.stringify(nonce)} was never sent on this stream (type_url ${typeUrl})`);
        }
        recordReply(ctx, state, nonce, req.error_detail);
        releaseSlot(state, nonce);
      }
      const { added, all } = applySubscriptions(state, req, first);
      if (first || all) respondFull(state, true);
      else if (added.length > 0) respond(state, candidatesFor(state, added), false);
    },
    push() {
      const mesh = ctx.cache.current();
      if (!mesh || !record.client) return;
      for (const state of record.types.values()) {
        if (!state.served || state.meshVersion === ctx.cache.version()) continue;
        const neverAnswered = state.status.kind === 'awaiting-request';
        // Compute this type's output at the new version before asking what changed since ours.
        ctx.cache.resources(state.typeUrl, record.client);
        const changed = ctx.cache.changedSince(state.typeUrl, state.meshVersion);
        if (changed) respond(state, changed, neverAnswered);
        else respondFull(state, neverAnswered);
      }
    },
    close() {
      closed = true;
      for (const state of record.types.values()) releaseSlot(state);
    },
  };
}
