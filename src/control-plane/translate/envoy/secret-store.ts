/**
 * The waypoints' SDS material: each waypoint's key + certificate (SDS `default`) and the mesh roots (`ROOTCA`).
 * Issued from the CA when a waypoint appears and re-issued at half life; `onRotated` tells the composition root to
 * push (xds.update). The clock and timers are injected so tests can drive rotation.
 */
export interface IssuedKeyAndCert {
  readonly keyPem: string;
  readonly certChainPem: readonly string[];
  readonly rootsPem: readonly string[];
}

/** The part of the control-plane CA this store needs (certificate-authority.ts `issueKeyAndCert`). */
export interface WaypointCa {
  issueKeyAndCert(req: { spiffeId: string; ttlSeconds?: number }): Promise<IssuedKeyAndCert>;
}

export interface WaypointSecret extends IssuedKeyAndCert {
  readonly spiffeId: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export interface WaypointSecretStoreConfig {
  readonly ca: WaypointCa;
  /** Certificate lifetime; default 24h (Istio's default workload cert TTL). */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
  /** Called after a background rotation changed some secret. */
  readonly onRotated?: (waypointKeys: readonly string[]) => void;
  readonly onError?: (err: unknown) => void;
}

export interface WaypointSecretStore {
  /** Makes the store hold exactly these waypoints (key → SPIFFE id); resolves true when anything was (re)issued or dropped. */
  sync(identities: ReadonlyMap<string, string>): Promise<boolean>;
  get(waypointKey: string): WaypointSecret | undefined;
  /** Re-issues every secret past half life now; resolves with the rotated keys. */
  rotateDue(): Promise<readonly string[]>;
  start(): void;
  close(): void;
}

export function createWaypointSecretStore(config: WaypointSecretStoreConfig): WaypointSecretStore {
  const ttlSeconds = config.ttlSeconds ?? 24 * 3600;
  const now = config.now ?? Date.now;
  const secrets = new Map<string, WaypointSecret>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const issue = async (key: string, spiffeId: string): Promise<void> => {
    const issuedAtMs = now();
    const kc = await config.ca.issueKeyAndCert({ spiffeId, ttlSeconds });
    secrets.set(key, { ...kc, spiffeId, issuedAtMs, expiresAtMs: issuedAtMs + ttlSeconds * 1000 });
  };
  const halfLife = (s: WaypointSecret): number => s.issuedAtMs + (s.expiresAtMs - s.issuedAtMs) / 2;

  const schedule = (): void => {
    if (!running) return;
    if (timer) clearTimeout(timer);
    const next = Math.min(...[...secrets.values()].map(halfLife), now() + 60_000);
    timer = setTimeout(() => {
      store
        .rotateDue()
        .then((keys) => keys.length > 0 && config.onRotated?.(keys))
        .catch((err: unknown) => config.onError?.(err))
        .finally(schedule);
    }, Math.max(100, next - now()));
    timer.unref();
  };

  const store: WaypointSecretStore = {
    async sync(identities) {
      let changed = false;
      for (const key of [...secrets.keys()]) {
        if (identities.get(key) !== secrets.get(key)?.spiffeId) {
          secrets.delete(key);
          changed = true;
        }
      }
      for (const [key, spiffeId] of identities) {
        if (secrets.has(key)) continue;
        await issue(key, spiffeId);
        changed = true;
      }
      if (changed) schedule();
      return changed;
    },
    get: (key) => secrets.get(key),
    async rotateDue() {
      const due = [...secrets.entries()].filter(([, s]) => now() >= halfLife(s));
      for (const [key, s] of due) await issue(key, s.spiffeId);
      return due.map(([key]) => key);
    },
    start() {
      running = true;
      schedule();
    },
    close() {
      running = false;
      if (timer) clearTimeout(timer);
    },
  };
  return store;
}
