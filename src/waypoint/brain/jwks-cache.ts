/**
 * JWKS for RequestAuthentication rules: inline `jwks` parsed once, `jwksUri` downloaded in the background and kept
 * (last good copy survives a failed refresh, as Envoy's remote_jwks cache). Lookups on the request path are synchronous.
 */
import type { JwtRule } from '../../shared/model/objects.js';
import { parseJwks, type Jwks } from '../../shared/jwt/index.js';
import type { Logger } from '../../shared/telemetry/logger.js';

export interface JwksCacheDeps {
  /** Downloads a URI's body; default global fetch. */
  readonly fetchText?: (uri: string) => Promise<string>;
  readonly logger: Logger;
}

export interface JwksCache {
  lookup(rule: JwtRule): Jwks | undefined;
  /** Starts downloads for URIs not yet cached; resolves when all of them finished (success or not). */
  prefetch(rules: readonly JwtRule[]): Promise<void>;
}

async function defaultFetch(uri: string): Promise<string> {
  const res = await fetch(uri, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${uri}: HTTP ${res.status}`);
  return res.text();
}

export function createJwksCache(deps: JwksCacheDeps): JwksCache {
  const fetchText = deps.fetchText ?? defaultFetch;
  const inline = new Map<string, Jwks | undefined>();
  const remote = new Map<string, Jwks>();
  const inflight = new Map<string, Promise<void>>();

  const load = (uri: string): Promise<void> => {
    const running = inflight.get(uri);
    if (running) return running;
    const p = fetchText(uri)
      .then((text) => {
        const r = parseJwks(text);
        if (r.ok) remote.set(uri, r.jwks);
        else deps.logger.warn('jwks rejected', { uri, error: r.error });
      })
      .catch((e: unknown) => deps.logger.warn('jwks fetch failed', { uri, error: e }))
      .finally(() => inflight.delete(uri));
    inflight.set(uri, p);
    return p;
  };

  return {
    lookup(rule) {
      if (rule.jwks !== undefined) {
        if (!inline.has(rule.jwks)) {
          const r = parseJwks(rule.jwks);
          inline.set(rule.jwks, r.ok ? r.jwks : undefined);
        }
        return inline.get(rule.jwks);
      }
      if (rule.jwksUri === undefined) return undefined;
      const hit = remote.get(rule.jwksUri);
      if (!hit) void load(rule.jwksUri);
      return hit;
    },
    async prefetch(rules) {
      const uris = rules.flatMap((r) => (r.jwks === undefined && r.jwksUri !== undefined && !remote.has(r.jwksUri) ? [r.jwksUri] : []));
      await Promise.all(uris.map(load));
    },
  };
}
