/**
 * The consumer's object writer: one closed batch becomes one NDJSON object in the events bucket
 * (PutObject with its CRC32, never replacing an object), counted, measured and logged. A failed
 * write is reported, not retried here (the SDK has already retried the request itself), except a
 * 409 conflict, which S3 says to retry: the batch's messages are not deleted, so SQS delivers them
 * again after their visibility timeout. A 412 that the SDK's retry meets after its first attempt
 * committed is a stored object (conditional-put.ts says why).
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { crc32 } from "node:zlib";
import type { Logger } from "pino";
import { withRetries } from "../retry";
import type { Batch, Partition } from "./batcher";
import { CONFLICT_ATTEMPTS, CONFLICT_RETRY, meaningOfPutError } from "./conditional-put";
import type { ConsumerCounts } from "./consumer-options";
import { eventsKey, newBatchId, quarantineKey } from "./keys";
import type { ConsumerMetrics } from "./metrics";

/** The CRC32 of `data` as S3 expects it in x-amz-checksum-crc32 (big-endian, base64). */
export function crc32Base64(data: Uint8Array): string {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(data));
  return checksum.toString("base64");
}

/** The key of a partition's object with batch id `batchId`. */
export function objectKeyFor(p: Partition, batchId: string): string {
  return p.kind === "events" ? eventsKey(p.eventType, p.dt, batchId) : quarantineKey(p.dt, batchId);
}

/** What an {@link ObjectWriter} writes to and reports into. */
export interface ObjectWriterOptions {
  readonly s3: Pick<S3Client, "send">;
  readonly bucket: string;
  readonly counts: ConsumerCounts;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  readonly now: () => number;
  /** Aborting it cancels a write in progress (the shutdown timeout). */
  readonly signal: AbortSignal;
}

/** Writes batches as objects. */
export class ObjectWriter {
  constructor(private readonly o: ObjectWriterOptions) {}

  /**
   * PutObject of the batch; false (and its messages counted as released) when it is not stored. A
   * 409 is sent again; a 412 after an earlier attempt means stored (conditional-put.ts).
   */
  async write(batch: Batch): Promise<boolean> {
    const p = batch.partition;
    const key = objectKeyFor(p, newBatchId(new Date(this.o.now())));
    const records = batch.lines.length;
    const body = Buffer.from(batch.body());
    const command = new PutObjectCommand({
      Bucket: this.o.bucket,
      Key: key,
      Body: body,
      ContentType: "application/x-ndjson",
      // S3 verifies the object against this; computed natively (the SDK's own CRC is JavaScript).
      ChecksumCRC32: crc32Base64(body),
      // Batch ids are unique; refuse to replace an object should one ever collide.
      IfNoneMatch: "*",
    });
    let committedEarlier = false;
    try {
      await withRetries(
        async (attempt) => {
          try {
            await this.o.s3.send(command, { abortSignal: this.o.signal });
          } catch (err) {
            if (meaningOfPutError(err, attempt) !== "stored") throw err;
            committedEarlier = true;
          }
        },
        {
          attempts: CONFLICT_ATTEMPTS,
          ...CONFLICT_RETRY,
          signal: this.o.signal,
          retryIf: (err) => meaningOfPutError(err, 1) === "conflict",
          onRetry: (err, attempt) => {
            this.o.metrics.errors.inc({ operation: "put" });
            this.o.log.warn({ err, key, attempt }, "object write conflicted; sending it again");
          },
        },
      );
    } catch (err) {
      this.o.counts.putFailures++;
      this.o.counts.released += batch.messages.length;
      this.o.metrics.errors.inc({ operation: "put" });
      this.o.log.error(
        { err, key, records, messages: batch.messages.length },
        "object not stored; its messages will be received again",
      );
      return false;
    }
    this.count(batch);
    this.o.log.info(
      {
        key,
        records,
        bytes: batch.bytes,
        messages: batch.messages.length,
        duplicates: batch.duplicates,
        ...(committedEarlier ? { committedEarlier } : {}),
      },
      committedEarlier
        ? "object stored (an earlier attempt committed it: 412 on the retry)"
        : "object stored",
    );
    return true;
  }

  private count(batch: Batch): void {
    const { counts, metrics } = this.o;
    const p = batch.partition;
    const records = batch.lines.length;
    counts.objects++;
    metrics.objects.inc({ kind: p.kind });
    metrics.batchRecords.observe({ kind: p.kind }, records);
    metrics.batchBytes.observe({ kind: p.kind }, batch.bytes);
    if (p.kind === "events") {
      counts.stored += records;
      metrics.stored.inc({ event_type: p.eventType }, records);
    } else {
      counts.quarantined += records;
      metrics.quarantined.inc(records);
    }
  }
}
