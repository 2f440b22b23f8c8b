/**
 * The S3 `Object Created` event the raw bucket sends to EventBridge for an upload (the bucket's
 * notification has EventBridge on in the orchestrated variant), in its documented shape
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html): the envelope on the
 * default bus with `detail.bucket.name`, `detail.object` (key as written, size, ETag without
 * quotes, sequencer) and the request's id, requester, source address and reason. The emulator's
 * buckets are not versioned, so the object has no `version-id` (the raw bucket on AWS is, and the
 * definition pins the version when the event carries one). Pure.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Upload } from "../notifier";
import { EMULATOR_ACCOUNT } from "../emulator";

/** An S3 Object Created event on the default bus. */
export interface ObjectCreatedEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": "Object Created";
  readonly source: "aws.s3";
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly version: "0";
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size: number;
      readonly etag: string;
      readonly "version-id"?: string;
      readonly sequencer: string;
    };
    readonly "request-id": string;
    readonly requester: string;
    readonly "source-ip-address": string;
    readonly reason: "PutObject";
  };
}

/** The event for `upload` into `bucket`. */
export function objectCreatedEvent(
  upload: Pick<Upload, "key" | "size" | "eTag">,
  bucket: string,
  region: string,
  sequencer: string,
  now = new Date(),
): ObjectCreatedEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: EMULATOR_ACCOUNT,
    time: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key: upload.key, size: upload.size, etag: upload.eTag, sequencer },
      "request-id": randomBytes(8).toString("hex").toUpperCase(),
      requester: EMULATOR_ACCOUNT,
      "source-ip-address": "127.0.0.1",
      reason: "PutObject",
    },
  };
}
