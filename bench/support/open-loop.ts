/**
 * Open-loop load: request `i` is due at `start + i / rps`, whether or not earlier ones have answered (a closed loop
 * would slow down with the system under test and hide its queueing). Resolves once every request has settled.
 */
export async function openLoop(rps: number, total: number, send: (i: number, dueMs: number) => Promise<void>): Promise<{ elapsedS: number }> {
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(i, due));
  }
  await Promise.all(inflight);
  return { elapsedS: (performance.now() - start) / 1000 };
}
