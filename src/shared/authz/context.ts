/** Per-request values derived once and shared by every compiled matcher. */
import type { AuthzRequest } from './types.js';
import { normalizePath, type PathNormalization } from './path.js';

export interface MatchContext {
  readonly req: AuthzRequest;
  /** Normalized path without query. */
  readonly path: string;
  /** Source principal without `spiffe://` (`td/ns/x/sa/y`), as Istio policies spell it. */
  readonly principal?: string;
  readonly trustDomain?: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly remoteIp?: string;
}

export function buildContext(req: AuthzRequest, normalization: PathNormalization): MatchContext {
  const principal = req.sourcePrincipal?.startsWith('spiffe://') ? req.sourcePrincipal.slice(9) : req.sourcePrincipal;
  const m = principal ? /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal) : null;
  const base = { req, path: normalizePath(req.path, normalization) };
  const remoteIp = req.remoteIp ?? req.sourceIp;
  return {
    ...base,
    ...(principal ? { principal } : {}),
    ...(m ? { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! } : {}),
    ...(remoteIp ? { remoteIp } : {}),
  };
}
