/**
 * Switches a live net.Socket to reading into pooled buffers (chunk-pool.ts), the mechanism behind Node's documented
 * `onread` socket option. `onread` can only be given when a socket is created, and the sockets a server accepts are
 * created by Node, so this installs the same per-socket state on an existing socket (Node 20's `kBuffer`,
 * `kBufferCb`, `kBufferGen` own symbols and the handle's `useUserBuffer`). When those internals are missing (another
 * Node version) it returns false and the caller keeps ordinary 'data' reads, so this is a speed-up, never a
 * requirement; test/ztunnel/pooled-reads.test.ts fails if it stops engaging on the Node we ship with.
 */
import type { Socket } from 'node:net';
import type { ChunkPool } from './chunk-pool.js';

/** Receives each chunk read; `release` returns its buffer to the pool once the chunk has been written out. */
export type PooledChunkSink = (chunk: Buffer, release: (err?: Error | null) => void) => void;

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

/** One of Node's per-object symbol-keyed fields (`kBuffer`, `kHandle`, …), found by its description. */
export function ownSymbol(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((s) => s.description === description);
}

/**
 * From now on every read of `socket` lands in a pooled buffer handed to `sink` (no 'data' events). Bytes Node has
 * already buffered are handed over first. Pausing and resuming the socket keep working (net.Socket supports both in
 * this mode); 'end' and 'close' are emitted as usual.
 */
export function readIntoPool(socket: Socket, pool: ChunkPool, sink: PooledChunkSink): boolean {
  const kBuffer = ownSymbol(socket, 'kBuffer');
  const kBufferCb = ownSymbol(socket, 'kBufferCb');
  const kBufferGen = ownSymbol(socket, 'kBufferGen');
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (!kBuffer || !kBufferCb || !kBufferGen || typeof handle?.useUserBuffer !== 'function' || socket.destroyed) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer]) return false; // already in onread mode
  const keep = (): void => undefined; // buffers of chunks Node had read before the switch are not pooled
  for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) sink(chunk, keep);
  let current = pool.acquire();
  fields[kBufferGen] = () => (current = pool.acquire());
  fields[kBufferCb] = (nread: number, buf: Buffer) => {
    sink(buf.subarray(0, nread), (err) => (err ? undefined : pool.release(buf)));
  };
  fields[kBuffer] = current;
  (handle as UserBufferHandle).useUserBuffer(current);
  // The buffer the handle reads into last is never handed out; it is free once the handle is closed.
  socket.once('close', () => pool.release(current));
  return true;
}
