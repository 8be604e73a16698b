/**
 * Graceful stop of a listener: stop accepting, let live connections finish for up to `drainMs`, then destroy what is
 * left. `drainMs` 0 destroys at once (tests, second signal).
 */
import type { Server } from 'node:net';

export interface Closable {
  destroy(): void;
  /** Optional polite close (HTTP/2 GOAWAY) tried before the deadline. */
  close?(): void;
}

export async function drainAndClose(server: Server, live: Set<Closable>, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (drainMs > 0) {
    for (const c of live) c.close?.();
    const deadline = Date.now() + drainMs;
    while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  for (const c of [...live]) c.destroy();
  await closed;
}
