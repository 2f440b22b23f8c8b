/**
 * Transient failures (throttling, 5xx, timeouts, dropped connections) are retried with exponential
 * backoff and full jitter; anything else fails at once. The AWS SDK already retries each request;
 * this covers what it cannot, such as a download stream that breaks halfway.
 */
import { sleep } from "../shutdown";

const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeTooSkewed",
]);

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
]);

/** True for errors worth retrying: throttling, HTTP 5xx/429, timeouts, network failures. */
export function isTransientError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return true;
  return e.cause !== undefined && e.cause !== err ? isTransientError(e.cause) : false;
}

/** Retry settings. */
export interface RetryOptions {
  /** Attempts in all, the first included (>= 1). */
  readonly attempts: number;
  /** Backoff before the second attempt; doubles each time, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Stops retrying (the last error is thrown) when aborted. */
  readonly signal?: AbortSignal;
  /** Called before each retry. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn`, retrying transient failures; other errors, and the last transient one, are thrown. */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || !isTransientError(err) || options.signal?.aborted)
        throw err;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
