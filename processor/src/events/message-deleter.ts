/**
 * The consumer's deletes: the messages of a stored object, removed with DeleteMessageBatch in
 * chunks of 10 (SQS's limit per call), several chunks at once (p-limit), the entries SQS reports
 * as failed sent again (the shared retry policy, ../retry). An entry that stays undeleted is
 * counted as released: it reappears and is recognised as a duplicate of what is already stored.
 */
import { DeleteMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import type { Logger } from "pino";
import { chunk, retryBatch, summarise, type EntryFailure } from "../retry";
import type { HeldMessage } from "./batcher";
import type { ConsumerCounts } from "./consumer-options";
import type { ConsumerMetrics } from "./metrics";

/** SQS accepts at most 10 entries per DeleteMessageBatch. */
const MAX_BATCH_ENTRIES = 10;

/** Backoff before the second DeleteMessageBatch of a chunk (doubling, with jitter). */
const DELETE_RETRY_BASE_MS = 50;

/** What a {@link MessageDeleter} deletes from and reports into. */
export interface MessageDeleterOptions {
  readonly sqs: Pick<SQSClient, "send">;
  readonly queueUrl: string;
  /** DeleteMessageBatch calls in flight per object. */
  readonly concurrency: number;
  /** Calls per entry before it counts as failed. */
  readonly attempts: number;
  readonly counts: ConsumerCounts;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  /** Aborting it cancels the deletes in progress and stops their retries (the shutdown timeout). */
  readonly signal: AbortSignal;
}

/** Deletes the messages of stored objects. */
export class MessageDeleter {
  constructor(private readonly o: MessageDeleterOptions) {}

  /** Deletes `messages`; resolves with how many were deleted (the rest are counted as released). */
  async delete(messages: readonly HeldMessage[]): Promise<number> {
    const limit = pLimit(this.o.concurrency);
    const deleted = await limit.map(chunk(messages, MAX_BATCH_ENTRIES), (entries) =>
      this.deleteChunk(entries),
    );
    return deleted.reduce((a, b) => a + b, 0);
  }

  private async deleteChunk(messages: readonly HeldMessage[]): Promise<number> {
    const { counts, metrics, log, signal } = this.o;
    const outcome = await retryBatch(
      messages.map((m, i) => ({ id: String(i), m })),
      (e) => e.id,
      async (pending) => {
        if (signal.aborted) throw new Error("shutdown timeout");
        const response = await this.o.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.o.queueUrl,
            Entries: pending.map((e) => ({ Id: e.id, ReceiptHandle: e.m.receiptHandle })),
          }),
          { abortSignal: signal },
        );
        return (response.Failed ?? []).map((f): EntryFailure => ({
          id: f.Id ?? "",
          code: f.Code ?? "Unknown",
          message: f.Message,
          senderFault: f.SenderFault ?? false,
        }));
      },
      {
        attempts: this.o.attempts,
        baseDelayMs: DELETE_RETRY_BASE_MS,
        signal,
        onRetry: (failures, attempt) =>
          log.warn({ failures: summarise(failures), attempt }, "delete partially failed"),
      },
    );
    counts.deleted += outcome.succeeded.length;
    metrics.deleted.inc(outcome.succeeded.length);
    if (outcome.failed.length > 0) {
      counts.deleteFailures += outcome.failed.length;
      counts.released += outcome.failed.length;
      metrics.errors.inc({ operation: "delete" }, outcome.failed.length);
      log.warn(
        { failures: summarise(outcome.failed.map((f) => f.failure)) },
        "messages not deleted; they will be received again and recognised as duplicates",
      );
    }
    return outcome.succeeded.length;
  }
}
