/**
 * Frees a chunk buffer's memory at once. `ArrayBuffer.prototype.transfer(0)` detaches the buffer
 * (every view of it becomes empty) and drops its backing store, instead of leaving it to a garbage
 * collection, which comes rarely on a thread that allocates little JavaScript: the merge thread
 * receives about 2 MiB of output per chunk, and on 1M rows its ArrayBuffers and external memory
 * peaked at 54 and 88 MB in pass 2, 25 and 35 MB with this (and byte-reader.ts). Only for buffers
 * the caller owns whole: a chunk (record-chunks.ts), a chunk's encoded output, what a worker was
 * sent, or a merged chunk's per-row arrays (pipeline.ts); and only on a thread whose transfers
 * detach buffers anyway, as the first detach costs a thread its optimized typed-array code
 * (buffer-pool.ts `SurplusRelease`).
 */
import { isArrayBuffer } from "node:util/types";

/** Detaches `bytes`' whole buffer and drops its memory (nothing when it is detached already). */
export function releaseBuffer(bytes: ArrayBufferView): void {
  const buffer = bytes.buffer;
  // isArrayBuffer, not instanceof: arrays made by Node (a message from a worker) or under a test
  // runner's sandbox may come from another realm, whose ArrayBuffer is another constructor.
  if (isArrayBuffer(buffer) && !buffer.detached) buffer.transfer(0);
}
