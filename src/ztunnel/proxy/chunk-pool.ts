/**
 * Recycled read buffers for bulk relays.
 *
 * Node gives every socket read a fresh 64 KiB ArrayBuffer. At tunnel speeds that is hundreds of MB/s of short-lived
 * external memory, and V8 counts external memory allocated since the last full GC against the old generation's
 * limit: with a 14 MB heap (before the ztunnel shed its libraries) the source ztunnel ran about ten
 * incremental mark-compacts a second, a third of its CPU with concurrent marking (perf, `--trace-gc`). Reading bulk
 * connections into recycled buffers (pooled-reads.ts) allocates nothing per read.
 */

export interface ChunkPool {
  /** A buffer of `bufferBytes` to read into; give it back with `release` once nothing references it. */
  acquire(): Buffer;
  release(buf: Buffer): void;
  /** Buffers waiting for reuse. */
  idle(): number;
  readonly bufferBytes: number;
}

export interface ChunkPoolOptions {
  /** Size of each buffer: Node reads at most 64 KiB from a socket at once. */
  readonly bufferBytes?: number;
  /**
   * Idle buffers kept for reuse. Bulk relays hold at most the relay budget (16 MiB) in flight, so 256 × 64 KiB
   * covers them; more are freed.
   */
  readonly keepIdle?: number;
  /** Idle buffers are freed after this long without an `acquire`, so a past burst does not pin memory. */
  readonly trimAfterMs?: number;
}

export function createChunkPool(opts: ChunkPoolOptions = {}): ChunkPool {
  const bufferBytes = opts.bufferBytes ?? 64 * 1024;
  const keepIdle = opts.keepIdle ?? 256;
  const trimAfterMs = opts.trimAfterMs ?? 2000;
  let free: Buffer[] = [];
  let acquiredSinceCheck = false;
  let trimTimer: NodeJS.Timeout | undefined;
  const checkIdle = (): void => {
    trimTimer = undefined;
    if (!acquiredSinceCheck) free = [];
    acquiredSinceCheck = false;
    if (free.length > 0) scheduleTrim();
  };
  const scheduleTrim = (): void => {
    trimTimer ??= setTimeout(checkIdle, trimAfterMs).unref();
  };
  return {
    bufferBytes,
    acquire() {
      acquiredSinceCheck = true;
      return free.pop() ?? Buffer.allocUnsafeSlow(bufferBytes);
    },
    release(buf) {
      if (buf.length !== bufferBytes || free.length >= keepIdle) return;
      free.push(buf);
      scheduleTrim();
    },
    idle: () => free.length,
  };
}
