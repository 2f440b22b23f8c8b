/**
 * `processor consume`: drains the events queue into NDJSON objects in the events bucket.
 *
 * Several long polls run at once; every message is validated, then held in the open batch of its
 * partition (event type and event date, or quarantine). A batch is written as one object when it is
 * full, old, or memory is needed, and only then are its messages deleted (DeleteMessageBatch, with
 * the failed entries retried). A failed PutObject deletes nothing: the messages become visible again
 * when their visibility timeout ends and are retried (then the queue's redrive policy applies).
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
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { crc32 } from "node:zlib";
import type { Logger } from "pino";
import {
  CONSUMER_DEFAULTS as CONTRACT_CONSUMER_DEFAULTS,
  visibilityCoversBatchAge,
} from "../contract";
import { silentLogger } from "../log";
import { sleep } from "../shutdown";
import { chunk, mapConcurrent, retryBatch, summarise, type EntryFailure } from "./batch-retry";
import { Batch, Batcher, RecentIds, type HeldMessage, type Partition } from "./batcher";
import { EVENT_TYPE_ATTRIBUTE, validateEventMessage } from "./event";
import { eventsKey, newBatchId, quarantineKey } from "./keys";
import { createConsumerMetrics, type ConsumerMetrics } from "./metrics";

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

/** The defaults, overridden by every tuning field `options` sets. */
export function resolveTuning(options: Partial<ConsumerTuning>): ConsumerTuning {
  const tuning: Record<string, number> = { ...CONSUMER_DEFAULTS };
  for (const key of Object.keys(CONSUMER_DEFAULTS) as (keyof ConsumerTuning)[]) {
    const value = options[key];
    if (value !== undefined) tuning[key] = value;
  }
  return tuning as unknown as ConsumerTuning;
}

/** The partition of a record's object and its NDJSON line, for one received message. */
export interface Classified {
  readonly partition: Partition;
  readonly line: string;
  readonly requestId?: string;
  readonly valid: boolean;
}

/**
 * Validates one SQS message and builds its record: the validated event for `events/`, or, for
 * `quarantine/`, the raw body with the reason (dated by when the message was sent).
 */
export function classifyMessage(message: Message, receivedAt: number): Classified {
  const eventType = message.MessageAttributes?.[EVENT_TYPE_ATTRIBUTE]?.StringValue;
  const body = message.Body ?? "";
  const result = validateEventMessage({ body, eventType });
  if (result.ok) {
    return {
      partition: { kind: "events", eventType: result.eventType, dt: result.dt },
      line: JSON.stringify(result.event),
      requestId: result.event.request_id,
      valid: true,
    };
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const at = new Date(Number.isFinite(sent) && sent > 0 ? sent : receivedAt);
  const record = {
    message_id: message.MessageId,
    request_id: requestIdOf(body),
    event_type: eventType,
    reason: result.reason,
    sent_at: at.toISOString(),
    body,
  };
  return {
    partition: { kind: "quarantine", dt: at.toISOString().slice(0, 10) },
    line: JSON.stringify(record),
    valid: false,
  };
}

/** The `request_id` of a body, when it is JSON with a string one (kept on quarantined records). */
function requestIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "request_id" in parsed) {
      const id = (parsed as { request_id: unknown }).request_id;
      if (typeof id === "string") return id.slice(0, 128);
    }
  } catch {
    // not JSON: the reason already says so
  }
  return undefined;
}

/** The CRC32 of `data` as S3 expects it in x-amz-checksum-crc32 (big-endian, base64). */
export function crc32Base64(data: Uint8Array): string {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(data));
  return checksum.toString("base64");
}

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

/** Client errors that retries cannot fix: stop instead of polling forever. */
function isFatal(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string };
  if (e.$fault !== "client") return false;
  return !/throttl|RequestThrottled|OverLimit|KmsThrottled|TooManyRequests/i.test(e.name ?? "");
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
  /** Aborted when the shutdown timeout passes: cancels the writes and deletes still running. */
  private readonly hardStop = new AbortController();
  private readonly flushes = new Set<Promise<void>>();
  private flushSlots: number;
  private readonly slotWaiters: (() => void)[] = [];
  private capacityWaiters: (() => void)[] = [];
  private flushingMessages = 0;
  private emptyStreak = 0;
  private checkingDrained = false;
  private putFailureStreak = 0;
  private pauseUntil = 0;
  private fatal: unknown;
  private stopReason = "";
  private firstMessageAt = 0;
  private lastDeleteAt = 0;
  private readonly counts = {
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
    this.flushSlots = tuning.flushConcurrency;
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
      { queueUrl: this.options.queueUrl, bucket: this.options.bucket, ...this.t },
      "consumer started",
    );
    try {
      await Promise.all(Array.from({ length: this.t.receiveConcurrency }, () => this.poll()));
    } finally {
      clearInterval(ticker);
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
    let errorStreak = 0;
    while (!stop.aborted) {
      await this.waitForCapacity();
      if (stop.aborted) break;
      const pause = this.pauseUntil - this.now();
      if (pause > 0) await sleep(pause, stop);
      if (stop.aborted) break;
      let messages: Message[];
      try {
        const response = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: wait,
            VisibilityTimeout: this.t.visibilityTimeoutSeconds,
            MessageAttributeNames: [EVENT_TYPE_ATTRIBUTE],
            MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
          }),
          { abortSignal: stop },
        );
        messages = response.Messages ?? [];
        errorStreak = 0;
      } catch (err) {
        // Messages of a receive cancelled by the stop signal reappear after their visibility timeout.
        if (stop.aborted) break;
        this.metrics.errors.inc({ operation: "receive" });
        this.lastProgressAt = this.now();
        if (isFatal(err)) {
          this.log.error({ err }, "receive failed for good");
          this.fatal ??= err;
          this.stop("fatal error");
          break;
        }
        errorStreak++;
        this.log.warn({ err, errorStreak }, "receive failed");
        await sleep(Math.min(30_000, 250 * 2 ** Math.min(errorStreak, 7)), stop);
        continue;
      }
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

  /** Blocks a poller while the consumer holds as many messages as it may. */
  private async waitForCapacity(): Promise<void> {
    while (!this.stopping.signal.aborted && this.heldMessages >= this.t.maxHeldMessages) {
      // Nothing is being written that would free memory: write the largest open batch now.
      if (this.flushes.size === 0) {
        const largest = this.batcher.takeLargest();
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
      const remaining = await this.remainingMessages();
      if (remaining === 0) this.stop("drained");
      else {
        this.log.debug({ remaining }, "queue not drained yet (messages in flight elsewhere)");
        this.emptyStreak = 0;
      }
    } finally {
      this.checkingDrained = false;
    }
  }

  /**
   * Visible, in-flight and delayed messages of the queue, or 0 when the attributes cannot be read
   * (the consumer's role may lack sqs:GetQueueAttributes; empty receives then decide alone).
   */
  private async remainingMessages(): Promise<number> {
    try {
      const response = await this.options.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      );
      const a = response.Attributes ?? {};
      return (
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    } catch (err) {
      this.log.warn({ err }, "cannot read queue attributes; trusting empty receives");
      return 0;
    }
  }

  private flush(batches: readonly Batch[]): void {
    for (const batch of batches) {
      this.flushingMessages += batch.messages.length;
      const task: Promise<void> = this.store(batch)
        .catch((err: unknown) => {
          // store() handles its own failures; this is a defect, keep it visible.
          this.log.error({ err }, "flush failed unexpectedly");
        })
        .finally(() => {
          this.flushes.delete(task);
          this.flushingMessages -= batch.messages.length;
          this.lastProgressAt = this.now();
          this.metrics.held.set(this.heldMessages);
          this.wakeCapacityWaiters();
        });
      this.flushes.add(task);
    }
  }

  private async acquireSlot(): Promise<void> {
    while (this.flushSlots === 0) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.flushSlots--;
  }

  private releaseSlot(): void {
    this.flushSlots++;
    this.slotWaiters.shift()?.();
  }

  /** Writes one batch's object, then deletes its messages. */
  private async store(batch: Batch): Promise<void> {
    await this.acquireSlot();
    const end = this.metrics.flushSeconds.startTimer();
    try {
      if (batch.lines.length > 0 && !(await this.put(batch))) return;
      await this.deleteMessages(batch.messages);
    } finally {
      end();
      this.releaseSlot();
    }
  }

  /** PutObject of the batch; false (and its messages released) when the write failed. */
  private async put(batch: Batch): Promise<boolean> {
    const p = batch.partition;
    const batchId = newBatchId(new Date(this.now()));
    const key =
      p.kind === "events" ? eventsKey(p.eventType, p.dt, batchId) : quarantineKey(p.dt, batchId);
    const records = batch.lines.length;
    const body = Buffer.from(batch.body());
    try {
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: "application/x-ndjson",
          // S3 verifies the object against this; computed natively (the SDK's own CRC is JavaScript).
          ChecksumCRC32: crc32Base64(body),
          // Batch ids are unique; refuse to replace an object should one ever collide.
          IfNoneMatch: "*",
        }),
        { abortSignal: this.hardStop.signal },
      );
    } catch (err) {
      this.counts.putFailures++;
      this.counts.released += batch.messages.length;
      this.metrics.errors.inc({ operation: "put" });
      // Receiving more only to fail again would burn receive counts towards the DLQ: pause a while.
      this.putFailureStreak++;
      this.pauseUntil =
        this.now() + Math.min(30_000, 500 * 2 ** Math.min(this.putFailureStreak, 6));
      this.log.error(
        { err, key, records, messages: batch.messages.length },
        "object not stored; its messages will be received again",
      );
      return false;
    }
    this.putFailureStreak = 0;
    for (const id of batch.requestIds) this.recent.add(id);
    this.counts.objects++;
    this.metrics.objects.inc({ kind: p.kind });
    this.metrics.batchRecords.observe({ kind: p.kind }, records);
    this.metrics.batchBytes.observe({ kind: p.kind }, batch.bytes);
    if (p.kind === "events") {
      this.counts.stored += records;
      this.metrics.stored.inc({ event_type: p.eventType }, records);
    } else {
      this.counts.quarantined += records;
      this.metrics.quarantined.inc(records);
    }
    this.log.info(
      {
        key,
        records,
        bytes: batch.bytes,
        messages: batch.messages.length,
        duplicates: batch.duplicates,
      },
      "object stored",
    );
    return true;
  }

  /** DeleteMessageBatch in chunks of 10, several at once, failed entries retried. */
  private async deleteMessages(messages: readonly HeldMessage[]): Promise<void> {
    const chunks = chunk(messages, 10);
    await mapConcurrent(chunks, this.t.deleteConcurrency, async (entries) => {
      const outcome = await retryBatch(
        entries.map((m, i) => ({ id: String(i), m })),
        (e) => e.id,
        async (pending) => {
          if (this.hardStop.signal.aborted) throw new Error("shutdown timeout");
          const response = await this.options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.options.queueUrl,
              Entries: pending.map((e) => ({ Id: e.id, ReceiptHandle: e.m.receiptHandle })),
            }),
            { abortSignal: this.hardStop.signal },
          );
          return (response.Failed ?? []).map((f): EntryFailure => ({
            id: f.Id ?? "",
            code: f.Code ?? "Unknown",
            message: f.Message,
            senderFault: f.SenderFault ?? false,
          }));
        },
        {
          attempts: this.t.deleteAttempts,
          baseDelayMs: 50,
          signal: this.hardStop.signal,
          onRetry: (failures, attempt) =>
            this.log.warn({ failures: summarise(failures), attempt }, "delete partially failed"),
        },
      );
      this.counts.deleted += outcome.succeeded.length;
      if (outcome.succeeded.length > 0) this.lastDeleteAt = this.now();
      this.metrics.deleted.inc(outcome.succeeded.length);
      if (outcome.failed.length > 0) {
        this.counts.deleteFailures += outcome.failed.length;
        this.counts.released += outcome.failed.length;
        this.metrics.errors.inc({ operation: "delete" }, outcome.failed.length);
        this.log.warn(
          { failures: summarise(outcome.failed.map((f) => f.failure)) },
          "messages not deleted; they will be received again and recognised as duplicates",
        );
      }
    });
  }
}
