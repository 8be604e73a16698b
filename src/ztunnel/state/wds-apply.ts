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

export function applyWdsDelta(state: StateStore, decoders: WdsDecoders, typeUrl: string, added: readonly WdsResource[], removed: readonly string[]): string[] {
  const errors: string[] = [];
  if (typeUrl === TYPE_URLS.address) {
    for (const r of added) {
      try {
        const c = convertAddress(decoders.decodeAddress(r.resource));
        if (!c.ok) errors.push(`${r.name}: ${c.error}`);
        else if (c.value.kind === 'workload') state.upsertWorkload(c.value.workload);
        else state.upsertService(c.value.service);
      } catch (e) {
        errors.push(`${r.name}: ${(e as Error).message}`);
      }
    }
    for (const name of removed) state.removeAddress(name);
  } else if (typeUrl === TYPE_URLS.authorization) {
    for (const r of added) {
      try {
        const c = convertAuthorization(decoders.decodeAuthorization(r.resource));
        if (c.ok) state.upsertPolicy(c.value);
        else errors.push(`${r.name}: ${c.error}`);
      } catch (e) {
        errors.push(`${r.name}: ${(e as Error).message}`);
      }
    }
    for (const name of removed) state.removePolicy(name);
  } else {
    errors.push(`unexpected type URL ${typeUrl}`);
  }
  return errors;
}
