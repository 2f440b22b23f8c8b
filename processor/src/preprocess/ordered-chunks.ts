/**
 * The ordered merge of chunks processed in parallel: chunks are submitted as they are read, up to
 * `inFlight` ahead of the one being merged, and their results are handed on strictly in file
 * order — so outputs are written in order and order-dependent aggregates (Kahan sums, the first
 * failing record) come out as a sequential run would give them.
 */
import type { BufferPool } from "./buffer-pool";
import { chunkFailureError, ChunkFailureError, splitHeader } from "./chunk-work";
import { chunksOfLengths, RecordTooLargeError, recordChunks, type CutMode } from "./record-chunks";
import type { OpenInput } from "./text-source";

/** How chunks are read and how far ahead they are submitted. */
export interface ChunkPlan {
  readonly chunkBytes?: number;
  /** Chunks submitted ahead of the one merged (at least 1). */
  readonly inFlight: number;
  readonly signal?: AbortSignal;
  /**
   * The chunk lengths an earlier {@link runOrdered} over the same input returned: the input is
   * then cut at the same places without being scanned again (pass 2 after pass 1).
   */
  readonly lengths?: readonly number[];
  /** Where chunk buffers come from (the pass gives them back once done with). */
  readonly buffers?: BufferPool;
  /** How the input is cut when no {@link lengths} are given (default `record`). */
  readonly cut?: CutMode;
}

/** What {@link runOrdered} read. */
export interface OrderedRun {
  /** False when the input holds no record at all. */
  readonly headerSeen: boolean;
  /** The length of each chunk the input was cut into, in order (for {@link ChunkPlan.lengths}). */
  readonly lengths: readonly number[];
}

/** What a pass does with the data chunks of the input. */
export interface ChunkPass<R> {
  /** Called once with the header record, before any data chunk is submitted. */
  header(values: string[]): void;
  /** Starts the work on a data chunk (the bytes, and their whole buffer, are handed over). */
  submit(bytes: Uint8Array): Promise<R>;
  /** Merges a chunk's result; called in file order. Returns the chunk's number of data rows. */
  merge(result: R): Promise<number> | number;
}

/**
 * Reads the input once, runs `pass` on its data chunks and merges them in order. Throws
 * PermanentFileError for the first failing record.
 */
export async function runOrdered<R>(
  open: OpenInput,
  pass: ChunkPass<R>,
  plan: ChunkPlan,
): Promise<OrderedRun> {
  let recordsBefore = 0;
  let headerSeen = false;
  const queue: Promise<R>[] = [];
  const mergeNext = async () => {
    const result = await (queue.shift() as Promise<R>);
    recordsBefore += await pass.merge(result);
  };
  const lengths: number[] = [];
  const chunks =
    plan.lengths === undefined
      ? recordChunks(open(), plan.chunkBytes, undefined, plan.buffers, plan.cut)
      : chunksOfLengths(open(), plan.lengths, plan.buffers);
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    for (let fileStart = true; ; fileStart = false) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (err) {
        // Chunks before the failure are merged first: their failures come earlier in the file.
        while (queue.length > 0) await mergeNext();
        if (err instanceof RecordTooLargeError) {
          throw chunkFailureError(
            { code: "record_too_large", message: err.message },
            recordsBefore,
          );
        }
        throw err;
      }
      if (next.done) break;
      plan.signal?.throwIfAborted();
      let bytes = next.value;
      lengths.push(bytes.length);
      if (!headerSeen) {
        const split = splitHeader(bytes, fileStart);
        if (split === undefined || split.rest.length === 0) plan.buffers?.give(bytes);
        if (split === undefined) continue;
        headerSeen = true;
        recordsBefore = 1;
        pass.header(split.header);
        bytes = split.rest;
        if (bytes.length === 0) continue;
      }
      const submitted = pass.submit(bytes);
      // Awaited in order below; a failure of a later chunk must not surface as unhandled meanwhile.
      submitted.catch(() => undefined);
      queue.push(submitted);
      while (queue.length > plan.inFlight) await mergeNext();
    }
    while (queue.length > 0) await mergeNext();
  } catch (err) {
    await iterator.return?.(undefined);
    if (err instanceof ChunkFailureError) throw chunkFailureError(err.failure, recordsBefore);
    throw err;
  }
  return { headerSeen, lengths };
}
