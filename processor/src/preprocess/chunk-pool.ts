/**
 * A pool of worker threads for the chunks of both passes, sized from the container's CPU limit
 * (cpu-limit.ts). Results come back as promises; the caller awaits them in submission order,
 * which is what makes the merge and the output ordered (ordered-chunks.ts). With a size of 0 the
 * work runs inline on the calling thread (tiny inputs, tests, a 1-CPU container where a worker
 * would only add its start-up time).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { WORKER_HEAP } from "../contract/heap";
import type { Analysis } from "./analyze";
import { analyzeChunk, type AnalyzeParams, type ChunkAnalysis } from "./chunk-analysis";
import {
  ChunkFailureError,
  transformChunkBytes,
  type ChunkFailure,
  type ChunkTransform,
} from "./chunk-work";
import { BufferPool, IDLE_BUFFERS, type SurplusRelease } from "./buffer-pool";
import { DEFAULT_CHUNK_BYTES } from "./record-chunks";

/** One unit of work. */
export type ChunkTask =
  | { readonly kind: "analyze"; readonly bytes: Uint8Array; readonly params: AnalyzeParams }
  | {
      readonly kind: "transform";
      readonly bytes: Uint8Array;
      readonly analysis: Analysis;
      readonly frameRows: number;
    };

/** A message to a worker. */
export interface ChunkRequest {
  readonly id: number;
  readonly task: ChunkTask;
}

/** Output buffers the merging thread is done with, sent back to a worker to be used again. */
export interface RecycleMessage {
  readonly recycle: Uint8Array;
}

/** What a worker is sent. */
export type WorkerMessage = ChunkRequest | RecycleMessage;

/** A worker's answer; `input`: the request's bytes, handed back to be used again. */
export type ChunkReply = { readonly input?: Uint8Array } & (
  | { readonly id: number; readonly ok: true; readonly result: ChunkAnalysis | ChunkTransform }
  | { readonly id: number; readonly ok: false; readonly failure: ChunkFailure }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly message: string; readonly stack?: string };
    }
);

/** What a worker is started with. */
export interface ChunkWorkerData {
  /** The size of its output buffers (see {@link BufferPool}). */
  readonly outputBytes: number;
}

interface Pending {
  resolve(value: ChunkAnalysis | ChunkTransform): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/**
 * The worker's entry: the compiled module, or (running from the TypeScript sources, as the tests
 * do) the source through tsx's require hook.
 */
function workerCode(): string {
  const compiled = join(__dirname, "chunk-worker.js");
  if (__filename.endsWith(".js") && existsSync(compiled)) {
    return `require(${JSON.stringify(compiled)}).serveChunks();`;
  }
  const tsx = require.resolve("tsx/cjs");
  const source = join(__dirname, "chunk-worker.ts");
  return `require(${JSON.stringify(tsx)});require(${JSON.stringify(source)}).serveChunks();`;
}

/**
 * How a thread with a pool of `workers` frees the buffers it does not keep: detached when it sends
 * buffers to workers (which detaches them anyway), left to the collector when it runs the chunks
 * itself (see {@link SurplusRelease}).
 */
export function surplusRelease(workers: number): SurplusRelease {
  return workers > 0 ? "detach" : "collect";
}

/**
 * Runs chunk tasks on `size` worker threads, or inline when `size` is 0. Chunk buffers go round:
 * `inputs` (the chunks' pool, see record-chunks.ts) gets each chunk's buffer back once its work is
 * done, and output buffers come back through {@link recycleOutput}.
 */
export class ChunkPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private nextRecycle = 0;
  /** Output buffers of inline work. */
  private readonly inlineOutputs: BufferPool;

  constructor(
    readonly size: number,
    readonly inputs: BufferPool = new BufferPool(
      DEFAULT_CHUNK_BYTES,
      IDLE_BUFFERS,
      surplusRelease(size),
    ),
  ) {
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`size must be a whole number of workers, got ${size}`);
    }
    this.inlineOutputs = new BufferPool(
      inputs.bytes,
      size === 0 ? IDLE_BUFFERS : 0,
      surplusRelease(size),
    );
    if (size === 0) return;
    const code = workerCode();
    const workerData: ChunkWorkerData = { outputBytes: inputs.bytes };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(code, { eval: true, resourceLimits: WORKER_HEAP, workerData });
      const slot: Slot = { worker, pending: new Map() };
      worker.on("message", (reply: ChunkReply) => this.settle(slot, reply));
      const failAll = (error: Error) => {
        for (const p of slot.pending.values()) p.reject(error);
        slot.pending.clear();
      };
      worker.on("error", failAll);
      worker.on("exit", (code) => {
        if (!this.closed) failAll(new Error(`a preprocess worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Pass 1 on a chunk of data rows. */
  analyze(bytes: Uint8Array, params: AnalyzeParams): Promise<ChunkAnalysis> {
    if (this.size === 0) return this.inline(bytes, () => analyzeChunk(bytes, params));
    return this.submit({ kind: "analyze", bytes, params }) as Promise<ChunkAnalysis>;
  }

  /** Pass 2 on a chunk of data rows. */
  transform(bytes: Uint8Array, analysis: Analysis, frameRows: number): Promise<ChunkTransform> {
    if (this.size === 0) {
      return this.inline(bytes, () =>
        transformChunkBytes(bytes, analysis, frameRows, this.inlineOutputs),
      );
    }
    return this.submit({
      kind: "transform",
      bytes,
      analysis,
      frameRows,
    }) as Promise<ChunkTransform>;
  }

  /**
   * Takes back a chunk's output (`cleaned` or `transformed`) once it is written: its buffer goes
   * to a worker (in turn) to hold the next outputs.
   */
  recycleOutput(bytes: Uint8Array): void {
    if (this.size === 0 || this.closed || !this.inputs.fits(bytes)) {
      this.inlineOutputs.give(bytes);
      return;
    }
    const slot = this.slots[this.nextRecycle++ % this.slots.length] as Slot;
    const message: RecycleMessage = { recycle: bytes };
    slot.worker.postMessage(message, [bytes.buffer as ArrayBuffer]);
  }

  /** Stops the workers (tasks still running are abandoned). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(task: ChunkTask): Promise<ChunkAnalysis | ChunkTransform> {
    if (this.closed) return Promise.reject(new Error("the chunk pool is closed"));
    // The least busy worker: chunks vary little in cost, so this keeps every core fed.
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    const request: ChunkRequest = { id, task };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // The chunk's bytes move to the worker: the caller never reads them again.
      slot.worker.postMessage(request, [task.bytes.buffer as ArrayBuffer]);
    });
  }

  private settle(slot: Slot, reply: ChunkReply): void {
    if (reply.input) this.inputs.give(reply.input);
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else if ("failure" in reply) pending.reject(new ChunkFailureError(reply.failure));
    else {
      const error = new Error(reply.error.message);
      if (reply.error.stack) error.stack = reply.error.stack;
      pending.reject(error);
    }
  }

  /**
   * Runs a chunk's work on this thread; afterwards the chunk's buffer goes back to `inputs`, as a
   * worker's does (the caller hands it over either way).
   */
  private inline<T>(bytes: Uint8Array, work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err as Error);
    } finally {
      this.inputs.give(bytes);
    }
  }
}
