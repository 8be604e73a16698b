/**
 * A one-shot timer for a wall-clock instant that may be weeks away. Node's setTimeout holds at most 2^31-1 ms
 * (~24.8 days); a longer delay is clamped to 1 ms with only a warning, which for a certificate refresh means asking
 * the CA again at once, forever. Long waits are made of capped hops, each re-checking the clock. Unref'd: a pending
 * timer never keeps the process alive.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface TimerAt {
  cancel(): void;
}

export function setTimerAt(dueAtMs: number, fn: () => void, now: () => number = Date.now): TimerAt {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (): void => {
    const wait = Math.max(0, dueAtMs - now());
    handle = setTimeout(() => {
      if (cancelled) return;
      if (now() >= dueAtMs) fn();
      else arm();
    }, Math.min(wait, MAX_TIMER_DELAY_MS));
    handle.unref();
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      clearTimeout(handle);
    },
  };
}
