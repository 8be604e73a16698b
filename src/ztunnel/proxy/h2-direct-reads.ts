/**
 * Direct reads from an HTTP/2 stream: every DATA chunk Node's HTTP/2 session hands to JavaScript goes straight to a
 * sink function instead of through the stream's Readable machinery (push → 'data' emit → a nextTick `maybeReadMore`
 * → read(0) → _read → readStart, per ≤16 KiB chunk). On a bulk tunnel that machinery was most of the destination
 * ztunnel's JavaScript time.
 *
 * Mechanism: Node 20 delivers stream data by calling the native handle's `onread(arrayBuffer)` with the byte count
 * and offset in the shared `streamBaseState` array (`process.binding('stream_wrap')`). We wrap that `onread`: a
 * positive count goes to the sink as a Buffer view (no copy); everything else (end of stream, errors) goes to Node's
 * own function, so 'end', 'error' and 'close' behave as before. Pausing keeps working: `stream.pause()` emits
 * 'pause', on which Node stops reading the handle. Resuming needs our help: Node restarts the handle from the
 * stream's `_read`, which the Readable only calls again after a `push`, and with direct reads nothing is pushed; so
 * 'resume' restarts the handle here. HTTP/2 flow control is driven by the native side either way (a paused stream's
 * data is not acknowledged, so the peer stops sending within one window). What this skips is the stream's timeout
 * refresh per read (ztunnel never sets timeouts on HBONE streams) and the 'data' event (nothing but the relay reads
 * these streams).
 *
 * When those internals are missing (another Node version) it returns false and the relay keeps 'data' events;
 * test/ztunnel/h2-direct-reads.test.ts fails if it stops engaging on the Node we ship with.
 */
import type { Http2Stream } from 'node:http2';
import { ownSymbol } from './pooled-reads.js';

interface StreamBaseBinding {
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
}

interface NativeStream {
  onread?: (this: unknown, arrayBuffer: ArrayBuffer) => unknown;
  readStart?: () => number;
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
 * From now on every chunk read from `stream` goes to `sink` (no 'data' events). Bytes already buffered in the stream
 * are handed over first. False (nothing changed) when this Node lacks the internals or the stream has no handle yet.
 */
export function readH2Direct(stream: Http2Stream, sink: (chunk: Buffer) => void): boolean {
  const base = streamBase();
  const kHandle = ownSymbol(stream, 'kHandle');
  const handle = kHandle ? ((stream as unknown as Record<symbol, NativeStream | undefined>)[kHandle]) : undefined;
  if (!base || typeof handle?.onread !== 'function' || typeof handle.readStart !== 'function' || stream.destroyed) return false;
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) sink(chunk);
  const nodeOnRead = handle.onread;
  const native = handle as Required<NativeStream>;
  stream.on('resume', () => {
    if (!stream.destroyed) native.readStart();
  });
  const { streamBaseState: state, kReadBytesOrError, kArrayBufferOffset } = base;
  native.onread = function (this: unknown, arrayBuffer: ArrayBuffer): unknown {
    const nread = state[kReadBytesOrError]!;
    if (nread > 0 && !stream.destroyed) {
      sink(Buffer.from(arrayBuffer, state[kArrayBufferOffset]!, nread));
      return undefined;
    }
    return nodeOnRead.call(this, arrayBuffer);
  };
  return true;
}
