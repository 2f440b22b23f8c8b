/**
 * Frees a chunk buffer's memory at once. `ArrayBuffer.prototype.transfer(0)` detaches the buffer
 * (every view of it becomes empty) and drops its backing store, instead of leaving it to a garbage
 * collection, which comes rarely on a thread that allocates little JavaScript: the merge thread
 * receives about 2 MiB of output per chunk, and on 1M rows its ArrayBuffers and external memory
 * peaked at 54 and 88 MB in pass 2, 25 and 35 MB with this (and byte-reader.ts). Only for buffers
 * the caller owns whole: a chunk (record-chunks.ts), a chunk's encoded output, or what a worker
 * was sent.
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}
