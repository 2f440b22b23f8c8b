/**
 * The worker thread of the chunk pool (chunk-pool.ts): runs pass 1 or pass 2 on each chunk it is
 * sent and posts the result back, transferring its buffers instead of copying them. The chunk's
 * own buffer goes back with the reply, and output buffers come back from the merging thread, so
 * both are used again (buffer-pool.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { BufferPool, IDLE_BUFFERS } from "./buffer-pool";
import { analyzeChunk } from "./chunk-analysis";
import { ChunkFailureError, transformChunkBytes } from "./chunk-work";
import type { ChunkReply, ChunkRequest, ChunkWorkerData, WorkerMessage } from "./chunk-pool";

/**
 * Handles one request; the reply (which hands the chunk's bytes back) and the buffers to transfer
 * with it. `outputs`: where pass 2's output buffers come from.
 */
export function handleRequest(
  request: ChunkRequest,
  outputs?: BufferPool,
): {
  reply: ChunkReply;
  transfer: ArrayBuffer[];
} {
  const { id, task } = request;
  const input = task.bytes;
  const inputBuffer = input.buffer as ArrayBuffer;
  try {
    if (task.kind === "analyze") {
      const result = analyzeChunk(input, task.params);
      const transfer = [
        result.age.values,
        result.age.counts,
        result.salary.values,
        result.salary.counts,
      ];
      return {
        reply: { id, ok: true, result, input },
        transfer: [inputBuffer, ...transfer.map((a) => a.buffer as ArrayBuffer)],
      };
    }
    const result = transformChunkBytes(input, task.analysis, task.frameRows, outputs);
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
      reply: { id, ok: true, result, input },
      transfer: [inputBuffer, ...transfer.map((t) => t.buffer as ArrayBuffer)],
    };
  } catch (err) {
    if (err instanceof ChunkFailureError) {
      return { reply: { id, ok: false, failure: err.failure, input }, transfer: [inputBuffer] };
    }
    const error = err instanceof Error ? err : new Error(String(err));
    return {
      reply: { id, ok: false, error: { message: error.message, stack: error.stack }, input },
      transfer: [inputBuffer],
    };
  }
}

/** Starts answering the parent's requests (chunk-pool.ts calls it as the worker's entry). */
export function serveChunks(): void {
  const port = parentPort;
  if (port === null) throw new Error("chunk-worker must run in a worker thread");
  const { outputBytes } = workerData as ChunkWorkerData;
  // Its replies transfer buffers, which detaches them: freeing the surplus at once costs no more.
  const outputs = new BufferPool(outputBytes, IDLE_BUFFERS, "detach");
  port.on("message", (message: WorkerMessage) => {
    if ("recycle" in message) {
      outputs.give(message.recycle);
      return;
    }
    const { reply, transfer } = handleRequest(message, outputs);
    port.postMessage(reply, transfer);
  });
}
