/**
 * What a consumer is given and what it reports: its tuning with defaults and the checks that name
 * the option at fault, its clients and switches, and the counts of one run. Pure, no I/O.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import {
  CONSUMER_DEFAULTS as CONTRACT_CONSUMER_DEFAULTS,
  visibilityCoversBatchAge,
} from "../contract";
import type { ConsumerMetrics } from "./metrics";

/** Tuning of the consumer; every field has a default (see {@link CONSUMER_DEFAULTS}). */
export interface ConsumerTuning {
  /** Records per object before it is written. */
  readonly batchMaxEvents: number;
  /** Bytes per object before it is written. */
  readonly batchMaxBytes: number;
  /** Seconds a batch may stay open before it is written. */
  readonly batchMaxAgeSeconds: number;
  /** ReceiveMessage calls in flight at once. */
  readonly receiveConcurrency: number;
  /** Long-poll wait of each ReceiveMessage (1-20 s). */
  readonly waitTimeSeconds: number;
  /** Visibility timeout requested for received messages; at least twice batchMaxAgeSeconds. */
  readonly visibilityTimeoutSeconds: number;
  /** Messages held (received, not yet deleted) before receiving pauses. */
  readonly maxHeldMessages: number;
  /**
   * Bytes of records held (open and flushing batches) before receiving pauses; 0 = a quarter of
   * the V8 heap limit ({@link heldBytesBound}). Quarantined records embed raw bodies of up to
   * 256 KiB, so a count alone does not bound memory.
   */
  readonly maxHeldBytes: number;
  /** Objects being written at once. */
  readonly flushConcurrency: number;
  /** DeleteMessageBatch calls in flight per object. */
  readonly deleteConcurrency: number;
  /** Calls per DeleteMessageBatch entry before it counts as failed (the message then reappears). */
  readonly deleteAttempts: number;
  /** Request ids remembered to skip duplicates within this process. */
  readonly dedupWindow: number;
  /** Seconds allowed, after the stop signal, to write and delete what is held. */
  readonly shutdownTimeoutSeconds: number;
}

/** The contract's defaults (the values of `processor consume`'s variables when unset). */
export const CONSUMER_DEFAULTS: ConsumerTuning = CONTRACT_CONSUMER_DEFAULTS;

/** Clients, targets and switches of one consumer. */
export interface ConsumerOptions extends Partial<ConsumerTuning> {
  readonly sqs: Pick<SQSClient, "send">;
  readonly s3: Pick<S3Client, "send">;
  readonly queueUrl: string;
  readonly bucket: string;
  /** Exit once the queue is drained instead of waiting for more. */
  readonly untilEmpty?: boolean;
  /** Aborting it stops receiving; held messages are written and deleted, then `run` resolves. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly metrics?: ConsumerMetrics;
  readonly now?: () => number;
}

/** What one run did (the fields of the final "consumer stopped" log line). */
export interface ConsumerSummary {
  readonly received: number;
  readonly stored: number;
  readonly quarantined: number;
  readonly duplicates: number;
  readonly deleted: number;
  readonly objects: number;
  readonly putFailures: number;
  readonly deleteFailures: number;
  /** Messages left to reappear after their visibility timeout (failed writes, shutdown timeout). */
  readonly released: number;
  readonly seconds: number;
  /** First message received to the end of the run: drained (or stopped) and everything written. */
  readonly drainSeconds: number;
  /** First message received to last message deleted (0 when none was). */
  readonly lastDeleteSeconds: number;
  readonly reason: string;
}

/** The counters of one run, updated by the loop, the object writer and the deleter. */
export interface ConsumerCounts {
  received: number;
  stored: number;
  quarantined: number;
  duplicates: number;
  deleted: number;
  objects: number;
  putFailures: number;
  deleteFailures: number;
  /** Messages left to reappear after their visibility timeout (failed writes, shutdown timeout). */
  released: number;
}

/** Counters at zero. */
export function zeroCounts(): ConsumerCounts {
  return {
    received: 0,
    stored: 0,
    quarantined: 0,
    duplicates: 0,
    deleted: 0,
    objects: 0,
    putFailures: 0,
    deleteFailures: 0,
    released: 0,
  };
}

/** Validates the tuning; messages name the option at fault. */
export function validateTuning(t: ConsumerTuning): void {
  const positiveInts: (keyof ConsumerTuning)[] = [
    "batchMaxEvents",
    "batchMaxBytes",
    "receiveConcurrency",
    "maxHeldMessages",
    "flushConcurrency",
    "deleteConcurrency",
    "deleteAttempts",
  ];
  for (const key of positiveInts) {
    if (!Number.isInteger(t[key]) || t[key] < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${t[key]}`);
    }
  }
  if (!Number.isInteger(t.maxHeldBytes) || t.maxHeldBytes < 0) {
    throw new RangeError(`maxHeldBytes must be a non-negative integer, got ${t.maxHeldBytes}`);
  }
  if (!Number.isInteger(t.dedupWindow) || t.dedupWindow < 0) {
    throw new RangeError(`dedupWindow must be a non-negative integer, got ${t.dedupWindow}`);
  }
  if (!(t.batchMaxAgeSeconds > 0)) {
    throw new RangeError(`batchMaxAgeSeconds must be > 0, got ${t.batchMaxAgeSeconds}`);
  }
  if (!(t.shutdownTimeoutSeconds > 0)) {
    throw new RangeError(`shutdownTimeoutSeconds must be > 0, got ${t.shutdownTimeoutSeconds}`);
  }
  if (!Number.isInteger(t.waitTimeSeconds) || t.waitTimeSeconds < 1 || t.waitTimeSeconds > 20) {
    throw new RangeError(
      `waitTimeSeconds must be an integer from 1 to 20, got ${t.waitTimeSeconds}`,
    );
  }
  const v = t.visibilityTimeoutSeconds;
  if (!Number.isInteger(v) || v < 1 || v > 43_200) {
    throw new RangeError(`visibilityTimeoutSeconds must be an integer from 1 to 43200, got ${v}`);
  }
  if (!visibilityCoversBatchAge(v, t.batchMaxAgeSeconds)) {
    throw new RangeError(
      `batchMaxAgeSeconds (${t.batchMaxAgeSeconds}) must be at most half of ` +
        `visibilityTimeoutSeconds (${v}), so a batch is stored before its messages reappear`,
    );
  }
}

/**
 * Share of the V8 heap that held records may fill by default. The rest is for what the bound does
 * not count: the copies a write makes (the joined body, up to flushConcurrency at once), the
 * receives in flight (receiveConcurrency x 10 messages of up to 256 KiB, as the SDK parses them)
 * and the process itself.
 */
export const HELD_HEAP_SHARE = 0.25;

/** The byte bound in force: `maxHeldBytes`, or {@link HELD_HEAP_SHARE} of `heapLimitBytes`. */
export function heldBytesBound(t: ConsumerTuning, heapLimitBytes: number): number {
  return t.maxHeldBytes > 0 ? t.maxHeldBytes : Math.floor(heapLimitBytes * HELD_HEAP_SHARE);
}

/** The defaults, overridden by every tuning field `options` sets. */
export function resolveTuning(options: Partial<ConsumerTuning>): ConsumerTuning {
  const tuning: Record<string, number> = { ...CONSUMER_DEFAULTS };
  for (const key of Object.keys(CONSUMER_DEFAULTS) as (keyof ConsumerTuning)[]) {
    const value = options[key];
    if (value !== undefined) tuning[key] = value;
  }
  return tuning as unknown as ConsumerTuning;
}
