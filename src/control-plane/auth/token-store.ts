/**
 * Local-mode caller authentication with per-node and per-waypoint bootstrap tokens (docs/security.md). The control
 * plane creates the tokens in its state dir; each ztunnel/waypoint reads its own file and sends
 * `authorization: Bearer <token>`, as Istio's ztunnel sends its ServiceAccount JWT. Files edited or removed by an
 * operator take effect within `reloadIntervalMs`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { bearerToken, type AuthResult, type Caller } from './caller.js';
import { callerForFile, checkName, nodeTokenFile, tokensDir, waypointTokenFile } from './token-files.js';

export interface TokenStoreOptions {
  readonly stateDir: string;
  /** How often, at most, the tokens folder is re-read when authenticating. Default 1000 ms. */
  readonly reloadIntervalMs?: number;
  /** Clock in ms, for tests. */
  readonly nowMs?: () => number;
}

export interface TokenStore {
  /** The node's token, created (random 32 bytes, base64url, file mode 0600) when absent. */
  ensureNodeToken(nodeName: string): Promise<string>;
  ensureWaypointToken(namespace: string, name: string): Promise<string>;
  /** Maps `authorization: Bearer <token>` to the caller that owns the token. */
  authenticate(metadata: grpc.Metadata): AuthResult;
}

interface Entry {
  readonly token: Buffer;
  readonly caller: Caller;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,}$/;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createTokenStore(opts: TokenStoreOptions): TokenStore {
  const dir = tokensDir(opts.stateDir);
  const reloadIntervalMs = opts.reloadIntervalMs ?? 1000;
  const nowMs = opts.nowMs ?? Date.now;
  /** Callers registered through ensure*() in this process, by file name (resolves ambiguous waypoint names). */
  const known = new Map<string, Caller>();
  /** By sha256(token): lookups by digest leak nothing useful; the final comparison is constant-time. */
  let byDigest = new Map<string, Entry>();
  let signature = '';
  let checkedAtMs = -Infinity;

  const dirSignature = (): string => {
    if (!existsSync(dir)) return '';
    return readdirSync(dir)
      .filter((f) => f.endsWith('.token'))
      .sort()
      .map((f) => {
        const st = statSync(join(dir, f), { throwIfNoEntry: false });
        return st ? `${f}:${st.mtimeMs}:${st.size}` : f;
      })
      .join('|');
  };

  const reload = (force: boolean): void => {
    if (!force && nowMs() - checkedAtMs < reloadIntervalMs) return;
    checkedAtMs = nowMs();
    const sig = dirSignature();
    if (!force && sig === signature) return;
    signature = sig;
    const next = new Map<string, Entry>();
    for (const file of existsSync(dir) ? readdirSync(dir) : []) {
      const caller = file.endsWith('.token') ? callerForFile(file, known) : undefined;
      const token = caller ? readToken(join(dir, file)) : undefined;
      if (caller && token) next.set(digest(token), { token: Buffer.from(token), caller });
    }
    byDigest = next;
  };

  const ensure = async (file: string, caller: Caller): Promise<string> => {
    known.set(file, caller);
    const path = join(dir, file);
    let token = readToken(path);
    if (!token) {
      token = randomBytes(32).toString('base64url');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, token + '\n', { mode: 0o600 });
      renameSync(tmp, path);
    }
    reload(true);
    return token;
  };

  return {
    async ensureNodeToken(nodeName) {
      checkName('node name', nodeName);
      return ensure(nodeTokenFile(nodeName), { kind: 'node', node: nodeName });
    },
    async ensureWaypointToken(namespace, name) {
      checkName('namespace', namespace);
      checkName('waypoint name', name);
      return ensure(waypointTokenFile(namespace, name), { kind: 'waypoint', namespace, name });
    },
    authenticate(metadata) {
      const bearer = bearerToken(metadata);
      if ('error' in bearer) return bearer;
      reload(false);
      const entry = byDigest.get(digest(bearer.token));
      const presented = Buffer.from(bearer.token);
      if (!entry || entry.token.length !== presented.length || !timingSafeEqual(entry.token, presented)) {
        return { error: 'bearer token is not a known bootstrap token (see docs/security.md)' };
      }
      return entry.caller;
    },
  };
}

/** The token in a file, or undefined when missing or not token-shaped. */
function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  return TOKEN_SHAPE.test(text) ? text : undefined;
}
