/**
 * `processor produce`: sends store events to the events queue with SendMessageBatch (10 entries per
 * call, several calls in flight), at a steady rate or as fast as possible, and retries the entries
 * SQS reports as failed (the shared retry policy, ../retry). Stops cleanly on its abort signal: no
 * new sends, in-flight ones finish. Sends in flight are bounded by p-limit.
 */
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import pLimit, { type LimitFunction } from "p-limit";
import type { Logger } from "pino";
import { sleep } from "../shutdown";
import { silentLogger } from "../log";
import { EVENT_TYPE_ATTRIBUTE } from "./event";
import type { EventGenerator, GeneratedEvent } from "./generator";
import type { ProducerMetrics } from "./metrics";
import { retryBatch, summarise, type EntryFailure } from "../retry";
import type { SendProgress } from "./send-progress";

/** SQS accepts at most 10 entries per SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;

/** Options of {@link runProducer}. */
export interface ProducerOptions {
  readonly sqs: Pick<SQSClient, "send">;
  readonly queueUrl: string;
  readonly generator: Pick<EventGenerator, "next">;
  /** Events to send; 0 sends until aborted. */
  readonly total: number;
  /** Events per second; 0 sends as fast as the queue accepts. */
  readonly eventsPerSecond: number;
  /** SendMessageBatch calls in flight at once. */
  readonly concurrency?: number;
  /** Calls per batch, including the first, before an entry counts as failed. */
  readonly attempts?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly metrics?: ProducerMetrics;
  /** Told of each successful send and each wait on the schedule (the liveness probe reads it). */
  readonly progress?: SendProgress;
  /** Injected clock (milliseconds), for tests of the pacing. */
  readonly now?: () => number;
}

/** What the producer did. */
export interface ProducerSummary {
  /** Events accepted by SQS. */
  readonly sent: number;
  /** Of those, events sent without `store_id` on purpose. */
  readonly bad: number;
  /** Events SQS refused for good (after retries). */
  readonly failed: number;
  /** Entries sent again after a partial failure. */
  readonly retried: number;
  readonly seconds: number;
}

/**
 * Entries per SendMessageBatch for a rate: full batches when the rate allows one at least every
 * 100 ms, smaller ones below, so a slow rate still sends events one by one at even intervals.
 */
export function entriesPerSend(eventsPerSecond: number): number {
  if (eventsPerSecond === 0) return MAX_BATCH_ENTRIES;
  return Math.min(MAX_BATCH_ENTRIES, Math.max(1, Math.floor(eventsPerSecond / 10)));
}

/** Validates the options, naming the one at fault. */
export function validateProducerOptions(options: ProducerOptions): void {
  if (!Number.isInteger(options.total) || options.total < 0) {
    throw new RangeError(`total must be a non-negative integer, got ${options.total}`);
  }
  if (!(Number.isFinite(options.eventsPerSecond) && options.eventsPerSecond >= 0)) {
    throw new RangeError(`eventsPerSecond must be >= 0, got ${options.eventsPerSecond}`);
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
}

/** Sends events until `total` are sent or the signal aborts; resolves with a summary. */
export async function runProducer(options: ProducerOptions): Promise<ProducerSummary> {
  validateProducerOptions(options);
  const log = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 4;
  const perSend = entriesPerSend(options.eventsPerSecond);
  const counts = { sent: 0, bad: 0, failed: 0, retried: 0 };
  const limit = pLimit(concurrency);
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown;
  let generated = 0;
  let base = now();
  let scheduled = 0;
  const started = base;

  const send = async (events: readonly GeneratedEvent[]) => {
    const outcome = await retryBatch(
      events.map((event, i) => ({ id: String(i), event })),
      (e) => e.id,
      async (entries) => sendEntries(options, entries),
      {
        attempts: options.attempts ?? 6,
        baseDelayMs: 100,
        onRetry: (failures, attempt) => {
          counts.retried += failures.length;
          log.warn({ failures: summarise(failures), attempt }, "send batch partially failed");
        },
      },
    );
    counts.sent += outcome.succeeded.length;
    if (outcome.succeeded.length > 0) options.progress?.sent();
    options.metrics?.sent.inc(outcome.succeeded.length);
    if (outcome.failed.length > 0) options.metrics?.failed.inc(outcome.failed.length);
    counts.bad += outcome.succeeded.filter((e) => e.event.bad).length;
    counts.failed += outcome.failed.length;
    if (outcome.failed.length > 0) {
      const failures = outcome.failed.map((f) => f.failure);
      log.error({ failures: summarise(failures) }, "events not sent");
      // A refusal that retries cannot fix (sender fault) or a queue that stays unavailable: stop
      // rather than quietly dropping a stream of events.
      if (outcome.failed.some((f) => !f.failure.senderFault)) {
        fatal ??= new Error(`SendMessageBatch kept failing: ${failures[0]?.code ?? "unknown"}`);
      }
    }
  };

  while (!options.signal?.aborted && fatal === undefined) {
    if (options.total > 0 && generated >= options.total) break;
    const size = options.total > 0 ? Math.min(perSend, options.total - generated) : perSend;
    if (options.eventsPerSecond > 0) {
      // Send k is due when the events before it have had their time at the configured rate; a
      // producer that fell more than a second behind restarts the schedule instead of bursting.
      const due = base + (scheduled / options.eventsPerSecond) * 1000;
      const wait = due - now();
      if (wait < -1000) {
        base = now();
        scheduled = 0;
      } else if (wait > 0) {
        options.progress?.idle(now() + wait);
        await sleep(wait, options.signal);
        if (options.signal?.aborted) break;
      }
    }
    // Generate the next events only once a send can start: a slow queue slows the producer.
    const release = await freeSlot(limit);
    if (fatal !== undefined) {
      release();
      break;
    }
    const events = Array.from({ length: size }, () => options.generator.next());
    generated += size;
    scheduled += size;
    const task: Promise<void> = send(events)
      .catch((err: unknown) => {
        fatal ??= err;
      })
      .finally(() => {
        release();
        inFlight.delete(task);
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  const summary = { ...counts, seconds: (now() - started) / 1000 };
  if (fatal !== undefined) {
    log.error({ ...summary, err: fatal }, "producer failed");
    throw fatal;
  }
  return summary;
}

/**
 * Resolves once `limit` has a free slot, with the function that gives the slot back: p-limit runs
 * queued work, but a loop that must not run ahead of it needs to wait for the slot itself.
 */
function freeSlot(limit: LimitFunction): Promise<() => void> {
  return new Promise((granted) => {
    void limit(() => new Promise<void>((release) => granted(() => release())));
  });
}

async function sendEntries(
  options: ProducerOptions,
  entries: readonly { id: string; event: GeneratedEvent }[],
): Promise<EntryFailure[]> {
  const response = await options.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: entries.map(({ id, event }) => ({
        Id: id,
        MessageBody: event.body,
        MessageAttributes: {
          [EVENT_TYPE_ATTRIBUTE]: { DataType: "String", StringValue: event.eventType },
        },
      })),
    }),
  );
  return (response.Failed ?? []).map((f) => ({
    id: f.Id ?? "",
    code: f.Code ?? "Unknown",
    message: f.Message,
    senderFault: f.SenderFault ?? false,
  }));
}
