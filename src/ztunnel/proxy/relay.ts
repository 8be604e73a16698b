/**
 * Bidirectional byte relay between two duplex streams (TCP socket, HTTP/2 stream) with backpressure (a side is paused
 * while the other's buffer is full, so memory stays flat on slow receivers), half-close (end → end) and reset
 * propagation (an abrupt close of one side resets the other).
 *
 * A reset never destroys bytes already relayed: when the HTTP/2 side is reset by its peer after sending bytes toward
 * the TCP side, those bytes are flushed to the kernel and the TCP RST follows after a short grace period. (A RST makes
 * the kernel discard whatever the application has not read yet, and Envoy ends every CONNECT tunnel whose upstream
 * finished, e.g. after a `Connection: close` response, with RST_STREAM(CONNECT_ERROR) right behind the last DATA
 * frame; an immediate RST would truncate complete responses.)
 */
import type { Duplex } from 'node:stream';
import { constants as h2constants, type Http2Stream } from 'node:http2';
import { Socket } from 'node:net';
import { createChunkPool, type ChunkPool } from './chunk-pool.js';
import { readIntoPool, type PooledChunkSink } from './pooled-reads.js';
import { readH2Direct, readSocketDirect } from './direct-reads.js';

/** Bytes a relay direction may always queue in the destination before pausing the source. */
export const RELAY_BUFFER_BYTES = 64 * 1024;
/** Upper bound for one direction when few relays are active. */
export const RELAY_BUFFER_MAX_BYTES = 1024 * 1024;
/** What all relay directions of the process may queue together before each falls back to RELAY_BUFFER_BYTES. */
export const RELAY_BUFFER_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * Buffer budget shared by the relay directions of one ztunnel: the pause bound of one direction is the budget divided
 * among the active directions, between 64 KiB and 1 MiB. Writes are corked until the end of the event-loop pass, so
 * everything read in one pass counts against the bound; a fixed 64 KiB paused a bulk source after nearly every 64 KiB
 * socket read (readStop/readStart and a wait for 'drain' each time), which held 1-connection throughput well below
 * the haproxy pair. Many connections keep the 64 KiB floor, so the worst case stays max(budget, directions × 64 KiB).
 */
export interface RelayBudget {
  /** Registers an active direction; the returned function unregisters it. */
  open(): () => void;
  /** Current pause bound of one direction, in bytes. */
  bound(): number;
  /** Relay directions currently open (config_dump). */
  active(): number;
  /** Read buffers for bulk TCP sources (`RelayEnd.readPooled`). */
  readonly pool: ChunkPool;
}

export function createRelayBudget(totalBytes: number = RELAY_BUFFER_BUDGET_BYTES, pool: ChunkPool = createChunkPool()): RelayBudget {
  let active = 0;
  return {
    open() {
      active++;
      let open = true;
      return () => {
        if (open) active--;
        open = false;
      };
    },
    active: () => active,
    bound: () => Math.min(RELAY_BUFFER_MAX_BYTES, Math.max(RELAY_BUFFER_BYTES, Math.floor(totalBytes / Math.max(1, active)))),
    pool,
  };
}

export interface RelayEnd {
  readonly stream: Duplex;
  /** Abrupt close (TCP RST / HTTP/2 RST_STREAM). */
  readonly reset: () => void;
  /** True when the peer reset this side (an HTTP/2 stream may report 'end' on RST_STREAM). */
  readonly wasReset?: () => boolean;
  /**
   * Used instead of `reset` when the *other* side was reset after relaying bytes here: let those bytes reach the
   * application first, then reset. Absent = `reset` at once.
   */
  readonly resetAfterFlush?: () => void;
  /**
   * Switches this side to reading into `pool` (see chunk-pool.ts); chunks then reach `sink` instead of 'data'
   * events. False when this side cannot (then 'data' events keep coming).
   */
  readonly readPooled?: (pool: ChunkPool, sink: PooledChunkSink) => boolean;
  /**
   * Hands every chunk read from now on to `sink` instead of emitting 'data' (direct-reads.ts). False when this side
   * cannot (then 'data' events keep coming). A later `readPooled` takes over from it.
   */
  readonly readDirect?: (sink: (chunk: Buffer) => void) => boolean;
}

/**
 * A chunk at least this large starts write coalescing for the rest of the event-loop pass (see `forward`); smaller
 * ones (requests, responses, interactive traffic) are written through without arming the end-of-pass hook.
 */
export const COALESCE_FROM_BYTES = 8 * 1024;

/** A read this large marks a bulk connection; only those get pooled read buffers (an idle one would pin 64 KiB). */
export const BULK_READ_BYTES = 32 * 1024;

/** Time the application gets to read bytes relayed just before a peer reset, before its socket is reset too. */
export const RESET_GRACE_MS = 250;

export interface RelayResult {
  /** Bytes read from `a` and written to `b`. */
  readonly aToB: number;
  readonly bToA: number;
  /** Set when either side failed or was reset. */
  readonly error?: Error;
}

export function socketEnd(socket: Socket): RelayEnd {
  let stopDirect: (() => void) | undefined;
  return {
    stream: socket,
    reset: () => (socket.destroyed ? undefined : socket.resetAndDestroy()),
    resetAfterFlush: () => {
      if (socket.destroyed) return;
      // The write callback fires once everything queued is in the kernel; the grace covers the application's read.
      socket.write(Buffer.alloc(0), () => setTimeout(() => (socket.destroyed ? undefined : socket.resetAndDestroy()), RESET_GRACE_MS).unref());
    },
    readPooled: (pool, sink) => {
      stopDirect?.();
      stopDirect = undefined;
      return readIntoPool(socket, pool, sink);
    },
    readDirect: (sink) => (stopDirect = readSocketDirect(socket, sink)) !== undefined,
  };
}

export function h2End(stream: Http2Stream): RelayEnd {
  return {
    stream,
    // destroy(err) sends RST_STREAM alone; close(code) would first end the stream (END_STREAM looks graceful).
    reset: () => (stream.destroyed ? undefined : stream.destroy(new Error('relay peer reset'))),
    wasReset: () => stream.rstCode !== undefined && stream.rstCode !== h2constants.NGHTTP2_NO_ERROR,
    readDirect: (sink) => readH2Direct(stream, sink),
  };
}

export function relay(
  a: RelayEnd,
  b: RelayEnd,
  onBytes?: { aToB?: (n: number) => void; bToA?: (n: number) => void },
  budget: RelayBudget = createRelayBudget(),
): Promise<RelayResult> {
  return new Promise((resolve) => {
    let aToB = 0;
    let bToA = 0;
    let error: Error | undefined;
    let closed = 0;
    /** `src` failed or was reset; `relayed` = bytes it had sent to `dst`. */
    const abort = (why: Error, src: RelayEnd, dst: RelayEnd, relayed: number): void => {
      error ??= why;
      src.reset();
      if (relayed > 0 && dst.resetAfterFlush) dst.resetAfterFlush();
      else dst.reset();
    };
    const pump = (src: RelayEnd, dst: RelayEnd, count: (n: number) => void): void => {
      let ended = false;
      let inPass = false; // a chunk was already written in this event-loop pass
      let corked = false;
      let relayed = 0;
      let pooled = false;
      const endPass = (): void => {
        inPass = false;
        if (corked) {
          corked = false;
          dst.stream.uncork();
        }
      };
      const forward = (chunk: Buffer, release?: (err?: Error | null) => void): void => {
        relayed += chunk.length;
        count(chunk.length);
        // The first chunk of an event-loop pass is written at once (a lone request/response pays no extra loop turn);
        // when it is bulk-sized, later ones in the same pass are corked and leave together in one writev when the pass
        // ends. Every TLS record / DATA frame is its own native callback followed by the nextTick queue, so a nextTick
        // uncork wrote each 16 KiB chunk alone. Small chunks skip the end-of-pass hook (an Immediate per chunk was a
        // measurable part of a 1 KiB request's cost) and are simply written.
        if (!inPass) {
          if (chunk.length >= COALESCE_FROM_BYTES) {
            inPass = true;
            setImmediate(endPass);
          }
        } else if (!corked) {
          corked = true;
          dst.stream.cork();
        }
        // Pause only past our own bound (budget.bound()): pausing at every 16 KiB highWaterMark costs throughput.
        const accepted = release ? dst.stream.write(chunk, release) : dst.stream.write(chunk);
        if (!accepted && dst.stream.writableLength >= budget.bound()) src.stream.pause();
      };
      const onChunk = (chunk: Buffer): void => {
        forward(chunk);
        if (!pooled && chunk.length >= BULK_READ_BYTES && src.readPooled) pooled = src.readPooled(budget.pool, forward);
      };
      src.readDirect?.(onChunk);
      src.stream.on('data', onChunk);
      dst.stream.on('drain', () => src.stream.resume());
      const onEnd = (): void => {
        if (src.wasReset?.()) return abort(new Error('stream reset by peer'), src, dst, relayed);
        ended = true;
        if (!dst.stream.writableEnded && !dst.stream.destroyed) dst.stream.end();
      };
      // A client may half-close while its SOCKS5 reply or CONNECT is still pending (request and FIN in one write):
      // a paused socket with nothing buffered emits 'end' right away, before this relay listens for it.
      if (src.stream.readableEnded) queueMicrotask(onEnd);
      else src.stream.on('end', onEnd);
      src.stream.on('error', (e: Error) => abort(e, src, dst, relayed));
      const release = budget.open();
      const onClose = (): void => {
        release();
        if (!ended || src.wasReset?.()) abort(error ?? new Error('connection reset by peer'), src, dst, relayed);
        if (++closed === 2) resolve({ aToB, bToA, ...(error ? { error } : {}) });
      };
      if (src.stream.destroyed) queueMicrotask(onClose); // went away before the relay started
      else src.stream.once('close', onClose);
      src.stream.resume(); // sources may arrive paused (pauseOnConnect, handshake reads)
    };
    pump(a, b, (n) => {
      aToB += n;
      onBytes?.aToB?.(n);
    });
    pump(b, a, (n) => {
      bToA += n;
      onBytes?.bToA?.(n);
    });
  });
}
