/**
 * The local stand-in for the raw bucket's event notification. On AWS, S3 itself sends an
 * `ObjectCreated` event to the preprocess queue for every `input/*.csv` and `input/*.csv.gz` upload
 * (infra/queues.ts configures it); the emulator has no bucket notifications, so local mode uploads, reads back the
 * object's size and ETag, and sends the same message S3 would send. The event shape follows AWS's
 * documented "event message structure" (version 2.1).
 */
import { randomBytes } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { isUploadKey } from "@pipeline/processor/contract";

/** What S3 knows about a created object when it notifies. */
export interface CreatedObject {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** The object's ETag (quotes are removed, as S3 does in events). */
  readonly eTag: string;
  /** Hex string that orders events of the same key (later events have greater values). */
  readonly sequencer: string;
  readonly eventTime: Date;
  /** Id of the notification configuration that matched. */
  readonly configurationId?: string;
}

/**
 * Encodes a key the way S3 writes it in event notifications: form encoding (space → `+`, `+` →
 * `%2B`, UTF-8 bytes as `%XX`), keeping `/` and the characters form encoding leaves alone.
 * `decodeURIComponent(key.replace(/\+/g, " "))` gives the key back.
 */
export function encodeEventKey(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.*/]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Whether S3 would notify the preprocess queue for `key` (prefix `input/`, suffix `.csv` or
 * `.csv.gz`): the contract's rule, which the program's notification filters are built from.
 */
export function matchesInputFilter(key: string): boolean {
  return isUploadKey(key);
}

/** The `ObjectCreated:Put` event message S3 sends for `object` (one record). */
export function objectCreatedEvent(object: CreatedObject): { Records: unknown[] } {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: object.region,
        eventTime: object.eventTime.toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:LOCAL-MODE" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: {
          "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
          "x-amz-id-2": randomBytes(24).toString("base64"),
        },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: object.configurationId ?? "preprocess-input-csv",
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: "LOCAL-MODE" },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: encodeEventKey(object.key),
            size: object.size,
            eTag: object.eTag.replace(/"/g, ""),
            sequencer: object.sequencer,
          },
        },
      },
    ],
  };
}

/** Increasing sequencers: 16 hex digits from a counter seeded with the clock. */
export function sequencerSource(start = Date.now()): () => string {
  let next = BigInt(start) * 1000n;
  return () => (next++).toString(16).toUpperCase().padStart(16, "0");
}

/** Where the notifier uploads and whom it notifies. */
export interface NotifierTarget {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly region: string;
  readonly bucket: string;
  readonly queueUrl: string;
}

/** The result of one upload. */
export interface Upload {
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  /** Whether an event was sent (only for keys the notification's filter matches). */
  readonly notified: boolean;
}

/**
 * Uploads `body` to `key` and, when the key matches the notification filter, sends the event S3
 * would send to the queue. The object exists before its event is sent, as on AWS.
 */
export async function uploadAndNotify(
  target: NotifierTarget,
  key: string,
  body: Buffer,
  nextSequencer: () => string,
): Promise<Upload> {
  await target.s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: body,
      ContentType: key.endsWith(".gz") ? "application/gzip" : "text/csv",
    }),
  );
  const head = await target.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
  const size = head.ContentLength ?? body.length;
  const eTag = (head.ETag ?? "").replace(/"/g, "");
  if (!matchesInputFilter(key)) return { key, size, eTag, notified: false };
  const event = objectCreatedEvent({
    region: target.region,
    bucket: target.bucket,
    key,
    size,
    eTag,
    sequencer: nextSequencer(),
    eventTime: new Date(),
  });
  await target.sqs.send(
    new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(event) }),
  );
  return { key, size, eTag, notified: true };
}
