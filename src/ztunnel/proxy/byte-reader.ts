/**
 * Reads exact byte counts from a socket during a handshake (SOCKS5, PROXY header), then hands the socket back with
 * any bytes read past the handshake pushed back, so the relay sees them first.
 */
import type { Socket } from 'node:net';

export interface ByteReader {
  /** Exactly n bytes; rejects when the socket ends first. */
  read(n: number): Promise<Buffer>;
  /** Reads up to and excluding `delimiter`, at most `max` bytes; undefined when not found in time. */
  readUntil(delimiter: string, max: number): Promise<Buffer | undefined>;
  /** Stops reading; leftover bytes are unshifted back into the (paused) socket. */
  release(): void;
}

export function createByteReader(socket: Socket): ByteReader {
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (d: Buffer): void => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', onEnd);
  socket.resume();
  const waitMore = (): Promise<void> => new Promise((resolve) => (wake = resolve));

  return {
    async read(n) {
      while (buf.length < n) {
        if (ended) throw new Error(`connection closed after ${buf.length} of ${n} bytes`);
        await waitMore();
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    async readUntil(delimiter, max) {
      for (;;) {
        const at = buf.indexOf(delimiter);
        if (at >= 0 && at <= max) {
          const out = buf.subarray(0, at);
          buf = buf.subarray(at + delimiter.length);
          return out;
        }
        if (buf.length > max || ended) return undefined;
        await waitMore();
      }
    },
    release() {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (buf.length > 0 && !socket.destroyed) socket.unshift(buf);
      buf = Buffer.alloc(0);
    },
  };
}
