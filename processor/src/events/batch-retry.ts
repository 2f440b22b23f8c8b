/**
 * SQS batch calls (SendMessageBatch, DeleteMessageBatch) succeed or fail per entry. This retries the
 * entries that failed for a transient reason, with exponential backoff and jitter, and reports the
 * ones that failed for good, so callers never mistake a partial failure for success.
 */
import { sleep } from "../shutdown";

/** An entry that failed, as SQS reports it in `Failed`. */
export interface EntryFailure {
  readonly id: string;
  readonly code: string;
  readonly message?: string;
  /** SQS's `SenderFault`: the request itself is wrong, retrying cannot help. */
  readonly senderFault: boolean;
}

/** One call of a batch API: the failed entries (empty when all succeeded). */
export type BatchCall<E> = (entries: readonly E[]) => Promise<readonly EntryFailure[]>;

/** Options of {@link retryBatch}. */
export interface RetryOptions {
  /** Calls in total, including the first. */
  readonly attempts: number;
  /** Backoff before the second call; doubles each time, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
  /** Called before each retry (metrics, logs). */
  readonly onRetry?: (failures: readonly EntryFailure[], attempt: number) => void;
  /** Once aborted, no further call is made: pending entries count as failed. */
  readonly signal?: AbortSignal;
}

/** What {@link retryBatch} achieved. */
export interface BatchOutcome<E> {
  readonly succeeded: readonly E[];
  readonly failed: readonly { readonly entry: E; readonly failure: EntryFailure }[];
}

/**
 * Calls `call` with `entries`, then again with the entries that failed with `senderFault: false`
 * (and all of them when the call itself threw), up to `attempts` calls. A sender fault is final.
 */
export async function retryBatch<E>(
  entries: readonly E[],
  idOf: (entry: E) => string,
  call: BatchCall<E>,
  options: RetryOptions,
): Promise<BatchOutcome<E>> {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${options.attempts}`);
  }
  const random = options.random ?? Math.random;
  const succeeded: E[] = [];
  const failed: { entry: E; failure: EntryFailure }[] = [];
  let pending = [...entries];
  for (let attempt = 1; pending.length > 0; attempt++) {
    let failures: readonly EntryFailure[];
    try {
      failures = await call(pending);
    } catch (err) {
      const code = err instanceof Error ? err.name : "Error";
      const message = err instanceof Error ? err.message : String(err);
      failures = pending.map((e) => ({ id: idOf(e), code, message, senderFault: false }));
    }
    const byId = new Map(failures.map((f) => [f.id, f]));
    const retry: E[] = [];
    for (const entry of pending) {
      const failure = byId.get(idOf(entry));
      if (!failure) succeeded.push(entry);
      else if (failure.senderFault || attempt >= options.attempts || options.signal?.aborted) {
        failed.push({ entry, failure });
      } else retry.push(entry);
    }
    if (retry.length > 0) {
      options.onRetry?.(
        retry.map((e) => byId.get(idOf(e)) as EntryFailure),
        attempt,
      );
      const ceiling = Math.min(
        options.maxDelayMs ?? 5_000,
        options.baseDelayMs * 2 ** (attempt - 1),
      );
      await sleep(Math.round(random() * ceiling), options.signal);
    }
    pending = retry;
  }
  return { succeeded, failed };
}

/** Failure codes and their counts, for one log line (never the entries themselves). */
export function summarise(failures: readonly EntryFailure[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of failures) counts[f.code] = (counts[f.code] ?? 0) + 1;
  return counts;
}

/** `items` in consecutive chunks of at most `size` (SQS batch calls take 10 entries). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be >= 1, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Runs `task` over `items` with at most `concurrency` running at once; resolves with the results in
 * input order. Rejects with the first error, after the running tasks have settled.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s) => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return results;
}
