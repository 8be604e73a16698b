/** Bearer tokens read from the state directory's token files, which the control plane rotates (ztunnel, brain). */
import { readFileSync } from 'node:fs';

/** How often, at most, the token file is re-read (as often as the control plane re-reads its copy). */
const TOKEN_REREAD_MS = 1000;

/**
 * The bearer token in `path`, re-read when asked but at most once per `minIntervalMs` (a burst of certificate
 * requests for new workloads reads the file once). A missing, unreadable or empty file keeps the last token read:
 * an operator replacing the file must not leave the process with no token at all for the next call.
 */
export function fileTokenSource(path: string, initial: string, opts: { minIntervalMs?: number; nowMs?: () => number } = {}): () => string {
  const minIntervalMs = opts.minIntervalMs ?? TOKEN_REREAD_MS;
  const now = opts.nowMs ?? Date.now;
  let token = initial;
  let readAtMs = now();
  return () => {
    if (now() - readAtMs < minIntervalMs) return token;
    readAtMs = now();
    const text = readTextOrUndefined(path)?.trim();
    if (text) token = text;
    return token;
  };
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
