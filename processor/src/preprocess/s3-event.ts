/**
 * S3 event notifications as they arrive on the preprocess queue. Keys in S3 events are
 * URL-encoded with `+` for spaces (`input/my+file%2B1.csv` is `input/my file+1.csv`), S3 sends an
 * `s3:TestEvent` when notifications are configured, and one message may carry several records.
 * Pure functions: the job decides what to do with each outcome.
 */

/** One created object named by an event record. */
export interface S3ObjectEvent {
  readonly eventName: string;
  readonly bucket: string;
  /** The decoded object key. */
  readonly key: string;
  /** The object's ETag as the event reports it (without quotes), if present. */
  readonly eTag?: string;
  readonly size?: number;
}

/** What a message body turned out to be. */
export type ParsedS3Message =
  /** S3's `s3:TestEvent` (sent when a notification is configured): nothing to process. */
  | { readonly kind: "test-event" }
  /** An S3 event; `objects` are its ObjectCreated records, `ignored` the other event names. */
  | {
      readonly kind: "s3-event";
      readonly objects: readonly S3ObjectEvent[];
      readonly ignored: readonly string[];
    }
  /** Not an S3 event notification at all: it belongs in the dead-letter queue. */
  | { readonly kind: "invalid"; readonly reason: string };

/** Decodes an S3 event key: `+` is a space, then percent-decoding (UTF-8). */
export function decodeS3Key(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, " "));
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a message body from the preprocess queue (also inside an SNS envelope). */
export function parseS3EventMessage(body: string): ParsedS3Message {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { kind: "invalid", reason: "the body is not JSON" };
  }
  // S3 → SNS → SQS delivers the event as a string in an SNS envelope.
  if (isObject(doc) && doc.Type === "Notification" && typeof doc.Message === "string") {
    return parseS3EventMessage(doc.Message);
  }
  if (!isObject(doc)) return { kind: "invalid", reason: "the body is not a JSON object" };
  if (doc.Event === "s3:TestEvent") return { kind: "test-event" };
  if (!Array.isArray(doc.Records))
    return { kind: "invalid", reason: "the body has no Records array" };
  if (doc.Records.length === 0) return { kind: "invalid", reason: "the Records array is empty" };

  const objects: S3ObjectEvent[] = [];
  const ignored: string[] = [];
  for (const [i, record] of doc.Records.entries()) {
    const where = `record ${i + 1}`;
    if (!isObject(record)) return { kind: "invalid", reason: `${where} is not an object` };
    if (record.eventSource !== "aws:s3") {
      return {
        kind: "invalid",
        reason: `${where} has eventSource ${JSON.stringify(record.eventSource)}, not "aws:s3"`,
      };
    }
    const eventName = record.eventName;
    if (typeof eventName !== "string" || eventName === "") {
      return { kind: "invalid", reason: `${where} has no eventName` };
    }
    const s3 = record.s3;
    const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
    const object = isObject(s3) && isObject(s3.object) ? s3.object : undefined;
    if (typeof bucket !== "string" || bucket === "") {
      return { kind: "invalid", reason: `${where} has no s3.bucket.name` };
    }
    if (!object || typeof object.key !== "string" || object.key === "") {
      return { kind: "invalid", reason: `${where} has no s3.object.key` };
    }
    if (!eventName.startsWith("ObjectCreated:")) {
      ignored.push(eventName);
      continue;
    }
    let key: string;
    try {
      key = decodeS3Key(object.key);
    } catch {
      return { kind: "invalid", reason: `${where} has a key that is not valid URL encoding` };
    }
    const eTag = typeof object.eTag === "string" ? object.eTag.replace(/"/g, "") : undefined;
    const size = typeof object.size === "number" ? object.size : undefined;
    objects.push({
      eventName,
      bucket,
      key,
      ...(eTag ? { eTag } : {}),
      ...(size !== undefined ? { size } : {}),
    });
  }
  return { kind: "s3-event", objects, ignored };
}
