/**
 * The worker thread of the chunk pool (chunk-pool.ts): runs pass 1 or pass 2 on each chunk it is
 * sent and posts the result back, transferring its buffers instead of copying them.
 */
import { parentPort } from "node:worker_threads";
import { analyzeChunk, ChunkFailureError, transformChunkBytes } from "./chunk-work";
import type { ChunkReply, ChunkRequest } from "./chunk-pool";
import { releaseBuffer } from "./release";

/** Handles one request; the reply and the buffers to transfer with it. */
export function handleRequest(request: ChunkRequest): {
  reply: ChunkReply;
  transfer: ArrayBuffer[];
} {
  const { id, task } = request;
  try {
    if (task.kind === "analyze") {
      const result = analyzeChunk(task.bytes, task.params);
      const transfer = [
        result.age.values,
        result.age.counts,
        result.salary.values,
        result.salary.counts,
      ];
      return {
        reply: { id, ok: true, result },
        transfer: transfer.map((a) => a.buffer as ArrayBuffer),
      };
    }
    const result = transformChunkBytes(task.bytes, task.analysis, task.frameRows);
    const a = result.aggregates;
    const transfer = [
      result.cleaned,
      result.transformed,
      a.fingerprints,
      a.departmentIds,
      a.salary,
      a.age,
    ];
    return {
      reply: { id, ok: true, result },
      transfer: transfer.map((t) => t.buffer as ArrayBuffer),
    };
  } catch (err) {
    if (err instanceof ChunkFailureError) {
      return { reply: { id, ok: false, failure: err.failure }, transfer: [] };
    }
    const error = err instanceof Error ? err : new Error(String(err));
    return {
      reply: { id, ok: false, error: { message: error.message, stack: error.stack } },
      transfer: [],
    };
  }
}

/** Starts answering the parent's requests (chunk-pool.ts calls it as the worker's entry). */
export function serveChunks(): void {
  const port = parentPort;
  if (port === null) throw new Error("chunk-worker must run in a worker thread");
  port.on("message", (request: ChunkRequest) => {
    const { reply, transfer } = handleRequest(request);
    // The chunk was transferred here and is done with: free it now, not at a later collection.
    releaseBuffer(request.task.bytes);
    port.postMessage(reply, transfer);
  });
}
