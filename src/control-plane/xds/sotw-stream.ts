/**
 * State-of-the-world ADS (StreamAggregatedResources): every response carries the full set of subscribed resources of
 * its type, a version_info and a fresh nonce. A request whose response_nonce is not the latest for its type is stale
 * and ignored (Envoy's rule); error_detail marks a NACK. An empty resource_names list on a type is a wildcard.
 */
import * as grpc from '@grpc/grpc-js';
import type { XdsResource } from './generator.js';
import { clientInfo, type NodeMessage } from './client-info.js';
import { createNonceSource, newTypeState, rememberNonce, type StreamRecord, type TypeState } from './stream-state.js';
import { failStream, observePush, recordReply, type ProtocolStream, type StreamContext } from './stream-context.js';
import { checkResourceNames, checkTypeUrl } from './validate.js';

interface SotwRequest {
  readonly version_info?: string;
  readonly node?: NodeMessage | null;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { code?: number; message?: string } | null;
}

function sameNames(state: TypeState, names: readonly string[]): boolean {
  const wildcard = names.length === 0 || names.includes('*');
  if (wildcard !== state.wildcard) return false;
  const explicit = names.filter((n) => n !== '*');
  return explicit.length === state.names.size && explicit.every((n) => state.names.has(n));
}

export function createSotwStream(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  record: StreamRecord,
  ctx: StreamContext,
): ProtocolStream {
  const nonces = createNonceSource(record.id);

  const selected = (state: TypeState): XdsResource[] => {
    if (!state.served || !record.client) return [];
    const current = ctx.cache.resources(state.typeUrl, record.client);
    if (state.wildcard) return [...current.values()];
    const out: XdsResource[] = [];
    for (const name of state.names) {
      const target = current.get(name) ?? current.get(ctx.cache.aliasTarget(state.typeUrl, record.client, name) ?? '');
      if (target && !out.includes(target)) out.push(target);
    }
    return out;
  };

  /** Sends the full subscribed set when it differs from the last one sent (or `force`). */
  const respond = (state: TypeState, force: boolean): void => {
    const mesh = ctx.cache.current();
    if (call.cancelled || (!mesh && state.served)) return;
    const resources = selected(state);
    const digest = resources.map((r) => `${r.name}@${r.version}`).join('\n');
    state.meshVersion = ctx.cache.version();
    if (!force && digest === state.lastDigest) return;
    state.lastDigest = digest;
    const nonce = nonces.next();
    const version = String(state.meshVersion);
    rememberNonce(state, nonce, version);
    const current = state.served && record.client ? ctx.cache.resources(state.typeUrl, record.client) : undefined;
    const full = state.wildcard && current ? current : undefined;
    call.write(ctx.encoder.sotw({ version_info: version, type_url: state.typeUrl, nonce }, resources, full));
    observePush(ctx, state.typeUrl);
  };

  return {
    record,
    handle(raw) {
      const req = raw as SotwRequest;
      const names = req.resource_names ?? [];
      const problem = checkTypeUrl(req.type_url ?? '') ?? checkResourceNames('resource_names', names);
      if (problem) return failStream(call, ctx.logger, grpc.status.INVALID_ARGUMENT, problem);
      const typeUrl = req.type_url!;
      record.client ??= clientInfo(record.caller, req.node);
      let state = record.types.get(typeUrl);
      if (!state) record.types.set(typeUrl, (state = newTypeState(typeUrl, ctx.cache.hasType(typeUrl))));
      const nonce = req.response_nonce ?? '';
      if (nonce !== '') {
        if (!nonces.issued(nonce)) {
          return failStream(call, ctx.logger, grpc.status.INVALID_ARGUMENT, `response_nonce ${JSON.stringify(nonce)} was never sent on this stream (type_url ${typeUrl})`);
        }
        const latest = state.status.kind !== 'awaiting-request' && state.status.nonce === nonce;
        recordReply(ctx, state, nonce, req.error_detail);
        // Stale: a newer response is in flight; the client will answer that one, so its names are not acted on.
        if (!latest || req.error_detail || sameNames(state, names)) return;
      }
      const first = state.status.kind === 'awaiting-request';
      state.wildcard = names.length === 0 || names.includes('*');
      state.names.clear();
      for (const n of names) if (n !== '*') state.names.add(n);
      respond(state, first || nonce !== '');
    },
    push() {
      const mesh = ctx.cache.current();
      if (!mesh || !record.client) return;
      for (const state of record.types.values()) {
        if (!state.served || state.meshVersion === ctx.cache.version()) continue;
        respond(state, state.status.kind === 'awaiting-request' && state.meshVersion < 0);
      }
    },
    close() {
      /* SotW streams hold no gate slots. */
    },
  };
}
