/**
 * Direct reads: every chunk Node reads from an HTTP/2 stream or a TCP socket goes straight to a sink function instead
 * of through the stream's Readable machinery (push → 'data' emit → a nextTick `maybeReadMore` → read(0) → _read, per
 * chunk). On a bulk tunnel that machinery was most of the destination ztunnel's JavaScript time (≤16 KiB DATA
 * frames); on a 1 KiB request it is a fixed cost on both ztunnels.
 *
 * Mechanism: Node 20 delivers stream data by calling the native handle's `onread(arrayBuffer)` with the byte count
 * and offset in the shared `streamBaseState` array (`process.binding('stream_wrap')`); HTTP/2 streams and TCP
 * sockets share that path. We wrap `onread`: a positive count goes to the sink as a Buffer view (no copy); everything
 * else (end of stream, errors) goes to Node's own function, so 'end', 'error' and 'close' behave as before.
 *
 * Pausing and resuming need our help, because Node restarts a handle from the stream's `_read`, which the Readable only
 * calls again after a `push`, and nothing is pushed here:
 * - HTTP/2: `stream.pause()` emits 'pause', on which Node itself stops reading the handle; 'resume' restarts it here.
 *   Flow control is driven by the native side either way (a paused stream's data is not acknowledged, so the peer
 *   stops within one window).
 * - TCP: Node stops a socket's handle only when its Readable buffer is full, which never happens here, so both
 *   'pause' (readStop) and 'resume' (readStart) are handled here, keeping the handle's `reading` flag as net.Socket
 *   does. A stopped socket leaves data in the kernel, which holds the sender back through TCP's window.
 *
 * What this skips is the stream's timeout refresh per read (the ztunnel sets no timeouts on relayed streams) and the
 * 'data' event (nothing but the relay reads these streams). When the internals are missing (another Node version)
 * nothing changes and the relay keeps 'data' events; test/ztunnel/direct-reads.test.ts fails if they stop engaging
 * on the Node we ship with.
 */
import type { Http2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ownSymbol } from './pooled-reads.js';

interface StreamBaseBinding {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

interface NativeStream {
  onread?: (this: unknown, arrayBuffer: ArrayBuffer) => unknown;
  readStart?: () => number;
  readStop?: () => number;
  reading?: boolean;
}

let binding: StreamBaseBinding | null | undefined;

function streamBase(): StreamBaseBinding | null {
  if (binding !== undefined) return binding;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamBaseBinding> }).binding('stream_wrap');
    binding = b.streamBaseState instanceof Int32Array && typeof b.kReadBytesOrError === 'number' && typeof b.kArrayBufferOffset === 'number' ? (b as StreamBaseBinding) : null;
  } catch {
    binding = null;
  }
  return binding;
}

/**
 * Hands every chunk read from `handle` (the native side of `stream`) to `sink`, after the chunks `stream` already
 * buffered. Returns the function that gives reading back to Node, or undefined (nothing changed) when this Node
 * lacks the internals.
 */
function wrapOnRead(stream: Readable, handle: NativeStream | null | undefined, sink: (chunk: Buffer) => void): (() => void) | undefined {
  const base = streamBase();
  if (!base || typeof handle?.onread !== 'function' || typeof handle.readStart !== 'function' || stream.destroyed) return undefined;
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) sink(chunk);
  const nodeOnRead = handle.onread;
  const { streamBaseState: state, kReadBytesOrError, kArrayBufferOffset } = base;
  handle.onread = function (this: unknown, arrayBuffer: ArrayBuffer): unknown {
    const nread = state[kReadBytesOrError]!;
    if (nread > 0 && !stream.destroyed) {
      sink(Buffer.from(arrayBuffer, state[kArrayBufferOffset]!, nread));
      return undefined;
    }
    return nodeOnRead.call(this, arrayBuffer);
  };
  return () => {
    handle.onread = nodeOnRead;
  };
}

/** Direct reads for an HTTP/2 stream; false (nothing changed) when unavailable or the stream has no handle yet. */
export function readH2Direct(stream: Http2Stream, sink: (chunk: Buffer) => void): boolean {
  const kHandle = ownSymbol(stream, 'kHandle');
  const handle = kHandle ? (stream as unknown as Record<symbol, NativeStream | undefined>)[kHandle] : undefined;
  if (!wrapOnRead(stream, handle, sink)) return false;
  const native = handle as Required<NativeStream>;
  stream.on('resume', () => {
    if (!stream.destroyed) native.readStart();
  });
  return true;
}

/**
 * Direct reads for a TCP socket. Returns the function that hands the socket back to Node's own reading (e.g. to
 * switch it to pooled reads, which use Node's `onread` mode), or undefined when unavailable.
 */
export function readSocketDirect(socket: Socket, sink: (chunk: Buffer) => void): (() => void) | undefined {
  const handle = (socket as unknown as { _handle?: NativeStream | null })._handle;
  if (typeof handle?.readStop !== 'function' || ownSymbol(socket, 'kBuffer') === undefined) return undefined;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[ownSymbol(socket, 'kBuffer')!]) return undefined; // already in Node's onread mode
  const restore = wrapOnRead(socket, handle, sink);
  if (!restore) return undefined;
  const native = handle as Required<NativeStream>;
  const onPause = (): void => {
    if (!native.reading || socket.destroyed) return;
    native.reading = false;
    native.readStop();
  };
  const onResume = (): void => {
    if (native.reading || socket.destroyed || socket.connecting) return;
    native.reading = true;
    const err = native.readStart();
    if (err) socket.destroy(new Error(`read start failed (${err})`));
  };
  socket.on('pause', onPause);
  socket.on('resume', onResume);
  return () => {
    restore();
    socket.off('pause', onPause);
    socket.off('resume', onResume);
  };
}
