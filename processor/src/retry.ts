/**
 * The processor's one retry policy, for the failures the AWS SDK's own retry cannot see.
 *
 * Each AWS request is already retried by the SDK's standard retry strategy (`maxAttempts` in
 * aws.ts: exponential backoff with jitter and a retry quota). That is enough for a request that
 * fails as a whole, and no call site adds a loop around a single request. It cannot help with:
 * - batch calls that succeed with some entries in `Failed` (SendMessageBatch, DeleteMessageBatch):
 *   the SDK sees a success, so {@link retryBatch} sends the failed entries again;
 * - work made of several requests and a stream (download → preprocess → upload), where a body that
 *   breaks halfway is not a failed request: {@link withRetries} runs the whole step again;
 * - a receive loop that must outlive an outage longer than the SDK's attempts ({@link withRetries}
 *   with no attempt limit).
 * All three run on p-retry (backoff, jitter, attempt limit), and an error is transient by the SDK's
 * own classification (@smithy/core/retry) plus stream errors; this module adds per-entry
 * bookkeeping and the stop rule — a stop signal cuts a back-off
 * short and ends the retries, but never discards an attempt that succeeded (p-retry's own `signal`
 * would, so it gets one that aborts only while a back-off is waited out).
 */
import {
  isServerError,
  isThrottlingError,
  isTransientError as sdkIsTransientError,
} from "@smithy/core/retry";
import pRetry from "p-retry";

/** The error shape the SDK's classifiers read. */
type SdkError = Parameters<typeof isThrottlingError>[0];

/**
 * Failures of a body read halfway (stream and socket errors) that the SDK's classification, made
 * for whole requests, does not list.
 */
const STREAM_ERROR_CODES = new Set([
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
]);

/**
 * True for errors worth retrying: the SDK's own classification (throttling, transient and server
 * errors: HTTP 429/5xx, timeouts, network codes, `$retryable`), plus stream errors, also as a cause.
 */
export function isTransientError(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as SdkError & { code?: string; cause?: unknown };
  if (isThrottlingError(e) || sdkIsTransientError(e) || isServerError(e)) return true;
  if (e.code !== undefined && STREAM_ERROR_CODES.has(e.code)) return true;
  return e.cause !== undefined && e.cause !== err && depth < 10
    ? isTransientError(e.cause, depth + 1)
    : false;
}

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Attempts in all, the first included (>= 1; `Infinity` retries until stopped). */
  readonly attempts: number;
  /** Backoff before the second attempt; doubles each time, times a random factor from 1 to 2. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Once aborted, no further attempt starts and a back-off in progress ends. */
  readonly signal?: AbortSignal;
}

/** Options of {@link withRetries}. */
export interface WithRetriesOptions extends RetryOptions {
  /** Which errors are retried (default {@link isTransientError}). */
  readonly retryIf?: (err: unknown) => boolean;
  /** Called before each retry, with the delay about to be waited. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn`, retrying the errors `retryIf` accepts. Other errors, the last retried one, and (when
 * the signal stops the retries) the error of the last attempt are thrown.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: WithRetriesOptions,
): Promise<T> {
  if (!(options.attempts >= 1)) {
    throw new RangeError(`attempts must be at least 1, got ${options.attempts}`);
  }
  const retryIf = options.retryIf ?? isTransientError;
  const backoff = backoffSignal(options.signal);
  let lastError: unknown;
  try {
    return await pRetry(
      (attempt) => {
        backoff.waiting = false;
        return fn(attempt);
      },
      {
        retries: options.attempts - 1,
        factor: 2,
        minTimeout: options.baseDelayMs,
        maxTimeout: options.maxDelayMs,
        randomize: true,
        signal: backoff.signal,
        onFailedAttempt: ({ error }) => {
          lastError = error;
        },
        shouldRetry: ({ error, attemptNumber, retryDelay }) => {
          if (options.signal?.aborted || !retryIf(error)) return false;
          options.onRetry?.(error, attemptNumber, retryDelay);
          backoff.waiting = true;
          return true;
        },
      },
    );
  } catch (err) {
    // A back-off cut short by the stop signal: report what failed, not the abort.
    throw backoff.signal.aborted && lastError !== undefined ? lastError : err;
  } finally {
    backoff.dispose();
  }
}

/**
 * A signal for p-retry that aborts only while a back-off is waited out: p-retry also checks its
 * signal right after an attempt, and would throw away an attempt that had just succeeded.
 */
function backoffSignal(stop: AbortSignal | undefined): {
  waiting: boolean;
  readonly signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const state = {
    waiting: false,
    signal: controller.signal,
    dispose: () => stop?.removeEventListener("abort", onStop),
  };
  const onStop = () => {
    if (state.waiting) controller.abort(stop?.reason);
  };
  stop?.addEventListener("abort", onStop, { once: true });
  return state;
}

/**
 * The delay of the `failures`-th consecutive failure on the same schedule (base doubling up to a
 * ceiling), without jitter, for a pause that is not a retry (the consumer's pause after failed
 * writes: SQS redelivers the messages, the pause only keeps it from receiving them in vain).
 */
export function backoffDelayMs(failures: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failures - 1));
}

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
export interface BatchRetryOptions extends Omit<RetryOptions, "maxDelayMs"> {
  /** Ceiling of the backoff (default 5 s). */
  readonly maxDelayMs?: number;
  /** Called before each retry (metrics, logs). */
  readonly onRetry?: (failures: readonly EntryFailure[], attempt: number) => void;
}

/** What {@link retryBatch} achieved. */
export interface BatchOutcome<E> {
  readonly succeeded: readonly E[];
  readonly failed: readonly { readonly entry: E; readonly failure: EntryFailure }[];
}

/** Thrown by one batch attempt to have p-retry send the entries still pending. */
class EntriesPending extends Error {
  override readonly name = "EntriesPending";
}

/**
 * Calls `call` with `entries`, then again with the entries that failed with `senderFault: false`
 * (and all of them when the call itself threw), up to `attempts` calls. A sender fault is final;
 * once the signal aborts, the entries still pending count as failed.
 */
export async function retryBatch<E>(
  entries: readonly E[],
  idOf: (entry: E) => string,
  call: BatchCall<E>,
  options: BatchRetryOptions,
): Promise<BatchOutcome<E>> {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${options.attempts}`);
  }
  const succeeded: E[] = [];
  const failed: { entry: E; failure: EntryFailure }[] = [];
  let pending = [...entries];
  let lastFailure = new Map<string, EntryFailure>();
  const attempt = async (n: number): Promise<void> => {
    const failures = await callCatching(call, pending, idOf);
    lastFailure = new Map(failures.map((f) => [f.id, f]));
    const retry: E[] = [];
    for (const entry of pending) {
      const failure = lastFailure.get(idOf(entry));
      if (!failure) succeeded.push(entry);
      else if (failure.senderFault || n >= options.attempts || options.signal?.aborted) {
        failed.push({ entry, failure });
      } else retry.push(entry);
    }
    pending = retry;
    if (retry.length === 0) return;
    options.onRetry?.(
      retry.map((e) => lastFailure.get(idOf(e)) as EntryFailure),
      n,
    );
    throw new EntriesPending(`${retry.length} entries to send again`);
  };
  try {
    await withRetries(attempt, {
      attempts: options.attempts,
      baseDelayMs: options.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? 5_000,
      signal: options.signal,
      retryIf: (err) => err instanceof EntriesPending,
    });
  } catch (err) {
    if (!(err instanceof EntriesPending)) throw err;
    // The signal ended the back-off: what is pending failed as it last did.
    for (const entry of pending) {
      failed.push({ entry, failure: lastFailure.get(idOf(entry)) as EntryFailure });
    }
  }
  return { succeeded, failed };
}

/** One batch call; a call that throws fails every entry, transiently. */
async function callCatching<E>(
  call: BatchCall<E>,
  entries: readonly E[],
  idOf: (entry: E) => string,
): Promise<readonly EntryFailure[]> {
  try {
    return await call(entries);
  } catch (err) {
    const code = err instanceof Error ? err.name : "Error";
    const message = err instanceof Error ? err.message : String(err);
    return entries.map((e) => ({ id: idOf(e), code, message, senderFault: false }));
  }
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
