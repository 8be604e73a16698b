/**
 * Applies a WDS delta (Address / Authorization resources) to the state store. Decoding of the `Any` payloads is
 * injected (the shared wds-codec), conversion problems are returned so the xDS client NACKs with them while the
 * valid resources still apply (as Istio's ztunnel).
 */
import { TYPE_URLS } from '../../shared/constants.js';
import type { StateStore } from './store.js';
import { convertAddress, convertAuthorization } from './wds.js';

export interface WdsResource {
  readonly name: string;
  readonly version: string;
  readonly resource: { readonly type_url: string; readonly value: Buffer };
}

export interface WdsDecoders {
  decodeAddress(any: { type_url: string; value: Buffer }): unknown;
  decodeAuthorization(any: { type_url: string; value: Buffer }): unknown;
}

/** The outcome of one delta: NACK reasons, and the names that did not take effect (the rest did). */
export interface WdsApplyResult {
  readonly errors: string[];
  readonly rejected: string[];
}

/**
 * Applies a delta and says which resources were rejected, so the xDS client records the versions of all the others
 * (a NACKed response that still changed the state must not leave those changes unaccounted for on reconnect).
 */
export function applyWds(state: StateStore, decoders: WdsDecoders, typeUrl: string, added: readonly WdsResource[], removed: readonly string[]): WdsApplyResult {
  const result: WdsApplyResult = { errors: [], rejected: [] };
  const each = (apply: (r: WdsResource) => string | undefined): void => {
    for (const r of added) {
      let error: string | undefined;
      try {
        error = apply(r);
      } catch (e) {
        error = (e as Error).message;
      }
      if (error !== undefined) {
        result.errors.push(`${r.name}: ${error}`);
        result.rejected.push(r.name);
      }
    }
  };
  if (typeUrl === TYPE_URLS.address) {
    each((r) => {
      const c = convertAddress(decoders.decodeAddress(r.resource));
      if (!c.ok) return c.error;
      if (c.value.kind === 'workload') state.upsertWorkload(c.value.workload);
      else state.upsertService(c.value.service);
      return undefined;
    });
    for (const name of removed) state.removeAddress(name);
  } else if (typeUrl === TYPE_URLS.authorization) {
    each((r) => {
      const c = convertAuthorization(decoders.decodeAuthorization(r.resource));
      if (!c.ok) return c.error;
      state.upsertPolicy(c.value);
      return undefined;
    });
    for (const name of removed) state.removePolicy(name);
  } else {
    result.errors.push(`unexpected type URL ${typeUrl}`);
    result.rejected.push(...added.map((r) => r.name), ...removed);
  }
  return result;
}
