/**
 * Holds the resources received for this waypoint (by xDS resource name, per type) and the compiled PolicyState built
 * from them. An update that fails to decode is rejected as a whole (NACK) and the last good state keeps enforcing —
 * including after the control plane goes away.
 */
import {
  BRAIN_TYPE_URLS,
  decodeAuthorizationPolicy,
  decodeBrainSettings,
  decodeRequestAuthentication,
  decodeStickyRoute,
} from '../../shared/authz/wire.js';
import { buildPolicyState, type PolicyInputs, type PolicyState } from './policy-state.js';

export interface XdsResourceUpdate {
  readonly name: string;
  readonly version?: string;
  readonly resource: { readonly type_url: string; readonly value: Uint8Array };
}

export interface PolicyStore {
  current(): PolicyState;
  /** Replaces everything (tests, file-based sources). */
  set(inputs: PolicyInputs): void;
  /** Applies one Delta xDS update; returns errors (non-empty → nothing applied, NACK). */
  apply(typeUrl: string, added: readonly XdsResourceUpdate[], removed: readonly string[]): string[];
  /** Type URLs this store understands. */
  readonly typeUrls: readonly string[];
}

const DECODERS: Readonly<Record<string, (b: Uint8Array) => unknown>> = {
  [BRAIN_TYPE_URLS.authorizationPolicy]: decodeAuthorizationPolicy,
  [BRAIN_TYPE_URLS.requestAuthentication]: decodeRequestAuthentication,
  [BRAIN_TYPE_URLS.stickyRoute]: decodeStickyRoute,
  [BRAIN_TYPE_URLS.brainSettings]: decodeBrainSettings,
};

export function createPolicyStore(onChange: (state: PolicyState) => void = () => undefined): PolicyStore {
  const byType = new Map<string, Map<string, unknown>>(Object.keys(DECODERS).map((t) => [t, new Map()]));
  let version = 0;
  let state = buildPolicyState({ policies: [], requestAuthentications: [], stickyRoutes: [] }, version);

  const swap = (inputs: PolicyInputs): void => {
    state = buildPolicyState(inputs, ++version);
    onChange(state);
  };
  const inputsFromMaps = (): PolicyInputs => {
    const values = <T>(t: string) => [...(byType.get(t)?.values() ?? [])] as T[];
    const settings = values<PolicyInputs['settings']>(BRAIN_TYPE_URLS.brainSettings)[0];
    return {
      policies: values(BRAIN_TYPE_URLS.authorizationPolicy),
      requestAuthentications: values(BRAIN_TYPE_URLS.requestAuthentication),
      stickyRoutes: values(BRAIN_TYPE_URLS.stickyRoute),
      ...(settings ? { settings } : {}),
    };
  };

  return {
    typeUrls: Object.keys(DECODERS),
    current: () => state,
    set: swap,
    apply(typeUrl, added, removed) {
      const decode = DECODERS[typeUrl];
      const target = byType.get(typeUrl);
      if (!decode || !target) return [`${typeUrl}: not a brain resource type`];
      const errors: string[] = [];
      const decoded = new Map<string, unknown>();
      for (const r of added) {
        if (r.resource.type_url !== typeUrl) {
          errors.push(`${r.name}: type_url ${r.resource.type_url} inside a ${typeUrl} response`);
          continue;
        }
        try {
          decoded.set(r.name, decode(r.resource.value));
        } catch (e) {
          errors.push(`${r.name}: cannot decode: ${(e as Error).message}`);
        }
      }
      if (errors.length > 0) return errors;
      for (const name of removed) target.delete(name);
      for (const [name, v] of decoded) target.set(name, v);
      swap(inputsFromMaps());
      return [];
    },
  };
}
