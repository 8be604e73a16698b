/**
 * Bounds how many full-state pushes are in flight at once (istiod's PILOT_PUSH_THROTTLE idea). A full Address push
 * for ten thousand workloads is several MiB; sending it to a hundred reconnecting ztunnels at once would hold every
 * copy in HTTP/2 send buffers together. A slot is held from the send until the client's ACK/NACK or the stream's end.
 */
export interface PushGate {
  /** Runs `task` now if a slot is free, else when one frees up. The task owns one slot until `release()`. */
  acquire(task: () => void): void;
  release(): void;
  readonly inFlight: number;
  readonly queued: number;
}

export function createPushGate(limit: number): PushGate {
  const queue: (() => void)[] = [];
  let inFlight = 0;
  const gate: PushGate = {
    acquire(task) {
      if (inFlight < limit) {
        inFlight++;
        task();
      } else {
        queue.push(task);
      }
    },
    release() {
      const next = queue.shift();
      if (next) next();
      else inFlight = Math.max(0, inFlight - 1);
    },
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return queue.length;
    },
  };
  return gate;
}
