/**
 * `processor consume`: drains the events queue into NDJSON objects in the events bucket. This file
 * is the loop; its parts are the tuning (consumer-options.ts), the classification of a message
 * (classify.ts), the batches (batcher.ts), the receive (receiver.ts), the object writer
 * (object-writer.ts) and the deletes (message-deleter.ts).
 *
 * Several long polls run at once; every message is validated, then held in the open batch of its
 * partition (event type and event date, or quarantine). A batch is written as one object when it is
 * full, old, or memory is needed, and only then are its messages deleted (DeleteMessageBatch, with
 * the failed entries retried). A failed PutObject deletes nothing: the messages become visible again
 * when their visibility timeout ends and are retried (then the queue's redrive policy applies).
 *
 * On its stop signal it starts no new receive, but lets the long polls in flight return and stores
 * what they got: cancelling one could discard a response SQS had already committed, hiding its
 * messages for their whole visibility timeout (such a poll is cancelled only a margin past its wait).
 *
 * Messages are received with an explicit visibility timeout at least twice the longest a batch may
 * stay open, so an object is stored and its messages deleted before they can reappear: no heartbeat
 * (and no sqs:ChangeMessageVisibility permission) is needed.
 *
 * Why not bbc/sqs-consumer: one instance runs one receive at a time, and its batch handler sees one
 * receive's messages; objects of thousands of records need messages held across many receives and
 * deleted per object, which its model (delete per handled batch, heartbeat only while the handler
 * runs) does not express. This loop is small and tested against the emulator instead.
 */
import { getHeapStatistics } from "node:v8";
import type { Message } from "@aws-sdk/client-sqs";
import pLimit, { type LimitFunction } from "p-limit";
import type { Logger } from "pino";
import { RECEIVE_STOP_MARGIN_SECONDS } from "../contract";
import { silentLogger } from "../log";
import { backoffDelayMs } from "../retry";
import { sleep } from "../shutdown";
import { Batch, Batcher, RecentIds, type HeldMessage } from "./batcher";
import { classifyMessage } from "./classify";
import {
  heldBytesBound,
  resolveTuning,
  validateTuning,
  zeroCounts,
  type ConsumerOptions,
  type ConsumerSummary,
  type ConsumerTuning,
} from "./consumer-options";
import { MessageDeleter } from "./message-deleter";
import { createConsumerMetrics, type ConsumerMetrics } from "./metrics";
import { ObjectWriter } from "./object-writer";
import { receiveMessages, remainingMessages, isFatal } from "./receiver";

/** Pause of receiving after consecutive failed writes: 1 s doubling to 30 s. */
const PUT_FAILURE_PAUSE = { baseDelayMs: 1_000, maxDelayMs: 30_000 } as const;

/** Resolves when `work` settles or `signal` aborts, whichever comes first (never rejects). */
async function untilStopped(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      aborted,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** The events consumer. `run()` once per instance. */
export class EventConsumer {
  private readonly t: ConsumerTuning;
  private readonly log: Logger;
  private readonly metrics: ConsumerMetrics;
  private readonly now: () => number;
  private readonly batcher: Batcher;
  private readonly recent: RecentIds;
  /** Aborted to stop receiving (signal, drained queue, fatal error). */
  private readonly stopping = new AbortController();
  /**
   * Aborted a long-poll wait (and a margin) after the stop: cancels a receive still open. Not at
   * the stop itself: a response SQS has committed would be discarded with it, and its messages
   * would stay hidden for their whole visibility timeout; the poll's messages are stored instead.
   */
  private readonly receiveCancel = new AbortController();
  private receiveCancelTimer: NodeJS.Timeout | undefined;
  /** Aborted when the shutdown timeout passes: cancels the writes and deletes still running. */
  private readonly hardStop = new AbortController();
  private readonly flushes = new Set<Promise<void>>();
  /** Objects written (and their messages deleted) at once. */
  private readonly flushLimit: LimitFunction;
  private readonly writer: ObjectWriter;
  private readonly deleter: MessageDeleter;
  private capacityWaiters: (() => void)[] = [];
  private flushingMessages = 0;
  private flushingBytes = 0;
  /** The byte bound on held records in force (tuning, or a share of the heap limit). */
  private readonly maxHeldBytes: number;
  private emptyStreak = 0;
  private checkingDrained = false;
  private putFailureStreak = 0;
  private pauseUntil = 0;
  private fatal: unknown;
  private stopReason = "";
  private firstMessageAt = 0;
  private lastDeleteAt = 0;
  private readonly counts = zeroCounts();
  /** True once a receive succeeded (the queue is reachable) and until stopping. */
  ready = false;
  /** Last time a receive returned or an object was flushed (epoch ms), for the liveness probe. */
  lastProgressAt: number;

  constructor(private readonly options: ConsumerOptions) {
    const tuning = resolveTuning(options);
    validateTuning(tuning);
    if (!options.queueUrl) throw new RangeError("queueUrl is required");
    if (!options.bucket) throw new RangeError("bucket is required");
    this.t = tuning;
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? createConsumerMetrics();
    this.now = options.now ?? Date.now;
    this.batcher = new Batcher({
      maxRecords: tuning.batchMaxEvents,
      maxBytes: tuning.batchMaxBytes,
      maxAgeMs: tuning.batchMaxAgeSeconds * 1000,
    });
    this.recent = new RecentIds(tuning.dedupWindow);
    this.maxHeldBytes = heldBytesBound(tuning, getHeapStatistics().heap_size_limit);
    this.flushLimit = pLimit(tuning.flushConcurrency);
    const shared = { counts: this.counts, metrics: this.metrics, log: this.log };
    this.writer = new ObjectWriter({
      ...shared,
      s3: options.s3,
      bucket: options.bucket,
      now: this.now,
      signal: this.hardStop.signal,
    });
    this.deleter = new MessageDeleter({
      ...shared,
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      concurrency: tuning.deleteConcurrency,
      attempts: tuning.deleteAttempts,
      signal: this.hardStop.signal,
    });
    this.lastProgressAt = this.now();
  }

  /** The effective tuning (defaults applied). */
  get tuning(): ConsumerTuning {
    return this.t;
  }

  /** Messages received and not yet deleted or released. */
  get heldMessages(): number {
    return this.batcher.heldMessages + this.flushingMessages;
  }

  /** Bytes of the records held (open batches and batches being written). */
  get heldBytes(): number {
    return this.batcher.heldBytes + this.flushingBytes;
  }

  /** Receives until stopped or drained, then writes and deletes what it holds. */
  async run(): Promise<ConsumerSummary> {
    const started = this.now();
    const outer = this.options.signal;
    const onAbort = () => this.stop(String(outer?.reason ?? "signal"));
    if (outer?.aborted) onAbort();
    outer?.addEventListener("abort", onAbort, { once: true });
    const tickMs = Math.min(1000, Math.max(20, (this.t.batchMaxAgeSeconds * 1000) / 4));
    const ticker = setInterval(() => this.flush(this.batcher.takeExpired(this.now())), tickMs);
    this.log.info(
      {
        queueUrl: this.options.queueUrl,
        bucket: this.options.bucket,
        ...this.t,
        heldBytesBound: this.maxHeldBytes,
      },
      "consumer started",
    );
    try {
      await Promise.all(Array.from({ length: this.t.receiveConcurrency }, () => this.poll()));
    } finally {
      clearInterval(ticker);
      clearTimeout(this.receiveCancelTimer);
      outer?.removeEventListener("abort", onAbort);
    }
    this.ready = false;
    await this.drain();
    const ended = this.now();
    const seconds = (ended - started) / 1000;
    const since = (at: number) => (this.firstMessageAt > 0 ? (at - this.firstMessageAt) / 1000 : 0);
    const drainSeconds = since(ended);
    const lastDeleteSeconds = this.lastDeleteAt > 0 ? since(this.lastDeleteAt) : 0;
    const summary: ConsumerSummary = {
      ...this.counts,
      seconds,
      drainSeconds,
      lastDeleteSeconds,
      reason: this.stopReason,
    };
    this.log.info(
      {
        ...summary,
        eventsPerSecond: drainSeconds > 0 ? Math.round(this.counts.deleted / drainSeconds) : 0,
      },
      "consumer stopped",
    );
    if (this.fatal !== undefined) throw this.fatal;
    return summary;
  }

  private stop(reason: string): void {
    if (this.stopping.signal.aborted) return;
    this.stopReason = reason;
    this.ready = false;
    this.log.info({ reason, held: this.heldMessages }, "consumer stopping");
    this.stopping.abort(reason);
    const cancelMs = (this.t.waitTimeSeconds + RECEIVE_STOP_MARGIN_SECONDS) * 1000;
    this.receiveCancelTimer = setTimeout(() => this.receiveCancel.abort(reason), cancelMs);
    this.wakeCapacityWaiters();
  }

  /** Writes every open batch and waits for all writes and deletes, within the shutdown timeout. */
  private async drain(): Promise<void> {
    this.flush(this.batcher.takeAll());
    if (this.flushes.size === 0) return;
    const timeout = new AbortController();
    const timer = sleep(this.t.shutdownTimeoutSeconds * 1000, timeout.signal).then(() => "timeout");
    const done = Promise.all([...this.flushes]).then(() => "done");
    const outcome = await Promise.race([done, timer]);
    timeout.abort();
    if (outcome === "timeout") {
      this.log.warn({ held: this.heldMessages }, "shutdown timeout: cancelling writes and deletes");
      this.hardStop.abort("shutdown timeout");
      await done;
    }
  }

  private async poll(): Promise<void> {
    const stop = this.stopping.signal;
    const wait = this.options.untilEmpty
      ? Math.min(this.t.waitTimeSeconds, 1)
      : this.t.waitTimeSeconds;
    while (!stop.aborted) {
      await this.waitForCapacity();
      if (stop.aborted) break;
      const pause = this.pauseUntil - this.now();
      if (pause > 0) await sleep(pause, stop);
      if (stop.aborted) break;
      const messages = await this.receive(wait);
      if (messages === undefined) break;
      this.lastProgressAt = this.now();
      if (!this.ready && !stop.aborted) {
        this.ready = true;
        this.log.info("consumer ready");
      }
      if (messages.length === 0) {
        this.emptyStreak++;
        if (this.options.untilEmpty) {
          // Draining and the queue looks empty: write what is held now rather than at its age.
          this.flush(this.batcher.takeAll());
          await this.checkDrained();
        }
        continue;
      }
      this.emptyStreak = 0;
      const receivedAt = this.now();
      if (this.firstMessageAt === 0) this.firstMessageAt = receivedAt;
      this.metrics.received.inc(messages.length);
      for (const message of messages) this.accept(message, receivedAt);
      this.metrics.held.set(this.heldMessages);
    }
  }

  /** One receive (failures retried); undefined once stopping, or after a fatal error (which stops). */
  private async receive(waitTimeSeconds: number): Promise<Message[] | undefined> {
    const stop = this.stopping.signal;
    try {
      return await receiveMessages({
        sqs: this.options.sqs,
        queueUrl: this.options.queueUrl,
        waitTimeSeconds,
        visibilityTimeoutSeconds: this.t.visibilityTimeoutSeconds,
        signal: stop,
        cancel: this.receiveCancel.signal,
        onRetry: (err, errorStreak) => {
          this.metrics.errors.inc({ operation: "receive" });
          this.lastProgressAt = this.now();
          this.log.warn({ err, errorStreak }, "receive failed");
        },
      });
    } catch (err) {
      // A receive that failed once stopping (or was cancelled after the long-poll wait): its
      // messages, if any, reappear after their visibility timeout.
      if (stop.aborted) return undefined;
      this.metrics.errors.inc({ operation: "receive" });
      this.lastProgressAt = this.now();
      if (!isFatal(err)) this.log.error({ err }, "receive failed unexpectedly");
      else this.log.error({ err }, "receive failed for good");
      this.fatal ??= err;
      this.stop("fatal error");
      return undefined;
    }
  }

  private accept(message: Message, receivedAt: number): void {
    this.counts.received++;
    if (Number(message.Attributes?.ApproximateReceiveCount ?? "1") > 1)
      this.metrics.redelivered.inc();
    const held: HeldMessage = {
      messageId: message.MessageId ?? "",
      receiptHandle: message.ReceiptHandle ?? "",
      receivedAt,
    };
    const record = classifyMessage(message, receivedAt);
    const id = record.requestId;
    const duplicate =
      id !== undefined && (this.recent.has(id) || this.batcher.holds(record.partition, id));
    if (duplicate) {
      this.counts.duplicates++;
      this.metrics.duplicates.inc();
    }
    const closed = this.batcher.add(
      record.partition,
      held,
      duplicate ? undefined : record,
      receivedAt,
    );
    this.flush(closed);
  }

  /** Which bound the consumer is at, if any: messages held, or bytes of records held. */
  private atBound(): "messages" | "bytes" | undefined {
    if (this.heldMessages >= this.t.maxHeldMessages) return "messages";
    if (this.heldBytes >= this.maxHeldBytes) return "bytes";
    return undefined;
  }

  /** Blocks a poller while the consumer holds as many messages, or bytes, as it may. */
  private async waitForCapacity(): Promise<void> {
    for (
      let bound = this.atBound();
      bound && !this.stopping.signal.aborted;
      bound = this.atBound()
    ) {
      // Nothing is being written that would free memory: write the largest open batch now.
      if (this.flushes.size === 0) {
        const largest = this.batcher.takeLargest(bound);
        if (largest) this.flush([largest]);
      }
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
    }
  }

  private wakeCapacityWaiters(): void {
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const wake of waiters) wake();
  }

  /** In --until-empty mode: once every poller saw an empty queue and all is written, stop. */
  private async checkDrained(): Promise<void> {
    if (this.checkingDrained || this.emptyStreak < this.t.receiveConcurrency) return;
    this.checkingDrained = true;
    try {
      // A stop signal must not wait for these writes here: drain() bounds them by the timeout.
      await untilStopped(Promise.all([...this.flushes]), this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      if (this.heldMessages > 0 || this.emptyStreak < this.t.receiveConcurrency) return;
      const remaining = await remainingMessages(this.options.sqs, this.options.queueUrl, this.log);
      if (remaining === 0) this.stop("drained");
      else {
        this.log.debug({ remaining }, "queue not drained yet (messages in flight elsewhere)");
        this.emptyStreak = 0;
      }
    } finally {
      this.checkingDrained = false;
    }
  }

  private flush(batches: readonly Batch[]): void {
    for (const batch of batches) {
      this.flushingMessages += batch.messages.length;
      this.flushingBytes += batch.bytes;
      const task: Promise<void> = this.flushLimit(() => this.store(batch))
        .catch((err: unknown) => {
          // store() handles its own failures; this is a defect, keep it visible.
          this.log.error({ err }, "flush failed unexpectedly");
        })
        .finally(() => {
          this.flushes.delete(task);
          this.flushingMessages -= batch.messages.length;
          this.flushingBytes -= batch.bytes;
          this.lastProgressAt = this.now();
          this.metrics.held.set(this.heldMessages);
          this.wakeCapacityWaiters();
        });
      this.flushes.add(task);
    }
  }

  /** Writes one batch's object, then deletes its messages. */
  private async store(batch: Batch): Promise<void> {
    const end = this.metrics.flushSeconds.startTimer();
    try {
      if (batch.lines.length > 0 && !(await this.write(batch))) return;
      const deleted = await this.deleter.delete(batch.messages);
      if (deleted > 0) this.lastDeleteAt = this.now();
    } finally {
      end();
    }
  }

  /** The object of a batch; after a failed write, receiving pauses (longer each time in a row). */
  private async write(batch: Batch): Promise<boolean> {
    if (!(await this.writer.write(batch))) {
      // Receiving more only to fail again would burn receive counts towards the DLQ: pause a while.
      this.putFailureStreak++;
      const { baseDelayMs, maxDelayMs } = PUT_FAILURE_PAUSE;
      this.pauseUntil = this.now() + backoffDelayMs(this.putFailureStreak, baseDelayMs, maxDelayMs);
      return false;
    }
    this.putFailureStreak = 0;
    for (const id of batch.requestIds) this.recent.add(id);
    return true;
  }
}
