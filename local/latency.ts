/**
 * Per-file latency of a run: from the moment an upload (and its S3 event) was done to the moment
 * its results were written (the preprocess job's "written" or "error report written" log line,
 * which it logs after the last object is stored), and its p50/p95 over the files. Pure.
 */

/** Log messages after which a file's results (four outputs, or its error report) are all stored. */
export const RESULT_MESSAGES: readonly string[] = ["written", "error report written"];

/** The upload key and time (ms) of a preprocess log record that marks a file's results, if any. */
export function resultTimeOf(
  record: Readonly<Record<string, unknown>>,
): { key: string; at: number } | undefined {
  if (record.command !== "preprocess" || !RESULT_MESSAGES.includes(String(record.msg))) {
    return undefined;
  }
  const at = typeof record.time === "string" ? Date.parse(record.time) : Number(record.time);
  if (typeof record.key !== "string" || !Number.isFinite(at)) return undefined;
  return { key: record.key, at };
}

/** Upload → results seconds of every file that has both, and their percentiles. */
export interface Latency {
  readonly seconds: Readonly<Record<string, number>>;
  /** Files measured (uploaded and with results). */
  readonly files: number;
  readonly p50Seconds: number;
  readonly p95Seconds: number;
  readonly maxSeconds: number;
}

/** The nearest-rank percentile `p` (0-100] of `values` (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * Latencies from the upload times and the first result time of each key (a redelivered message
 * rewrites the same results later; the first write is when they became available).
 */
export function fileLatency(
  uploadedAt: ReadonlyMap<string, number>,
  resultAt: ReadonlyMap<string, number>,
): Latency {
  const seconds: Record<string, number> = {};
  for (const [key, up] of uploadedAt) {
    const done = resultAt.get(key);
    if (done !== undefined) seconds[key] = Math.max(0, (done - up) / 1000);
  }
  const values = Object.values(seconds);
  return {
    seconds,
    files: values.length,
    p50Seconds: percentile(values, 50),
    p95Seconds: percentile(values, 95),
    maxSeconds: values.length ? Math.max(...values) : Number.NaN,
  };
}
