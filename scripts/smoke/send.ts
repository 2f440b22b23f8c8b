/**
 * What the smoke test puts into the stack, and how it takes it out again: the uploads (PutObject,
 * remembering the version a versioned bucket gives them, so the removal deletes that version and
 * leaves no delete marker behind) and the events (SendMessageBatch with the producer's
 * `event_type` attribute).
 */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { EVENT_TYPE_ATTRIBUTE } from "@pipeline/processor/contract";
import type { GeneratedEvent } from "../../processor/src/events/generator";
import type { PlannedUpload } from "./plan";

/** An object the run created and will remove (`versionId` when the bucket is versioned). */
export interface Created {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** Uploads `upload` to `bucket`; resolves to what to remove afterwards. */
export async function upload(
  s3: S3Client,
  bucket: string,
  upload: PlannedUpload,
): Promise<Created> {
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: upload.key,
      Body: upload.body,
      ContentType: "text/csv",
    }),
  );
  return { bucket, key: upload.key, versionId: put.VersionId };
}

/** SQS accepts at most 10 entries per SendMessageBatch (AWS SQS API reference). */
const BATCH = 10;

/** Sends `events` to the events queue, 10 per call; throws naming the entries SQS refused. */
export async function sendEvents(
  sqs: SQSClient,
  queueUrl: string,
  events: readonly GeneratedEvent[],
): Promise<void> {
  for (let i = 0; i < events.length; i += BATCH) {
    const entries = events.slice(i, i + BATCH).map((e, j) => ({
      Id: String(i + j),
      MessageBody: e.body,
      MessageAttributes: {
        [EVENT_TYPE_ATTRIBUTE]: { DataType: "String", StringValue: e.eventType },
      },
    }));
    const out = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if (out.Failed && out.Failed.length > 0) {
      const first = out.Failed[0];
      throw new Error(
        `the events queue refused ${out.Failed.length} event(s): ${first?.Code} ${first?.Message ?? ""}`,
      );
    }
  }
}

/** Deletes what the run created (the exact versions); resolves to the failures, if any. */
export async function remove(s3: S3Client, objects: readonly Created[]): Promise<string[]> {
  const failures: string[] = [];
  for (const o of objects) {
    try {
      await s3.send(
        new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key, VersionId: o.versionId }),
      );
    } catch (err) {
      failures.push(`s3://${o.bucket}/${o.key}: ${(err as Error).message}`);
    }
  }
  return failures;
}
