// Helpers for the event tests: clients for the fauxqs emulator that jest's globalSetup started, a
// fresh queue and bucket per test, and readers for what the consumer wrote.
import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { EventGenerator, seededRandom, type GeneratedEvent } from "../../src/events/generator";
import { runProducer } from "../../src/events/producer";

export const credentials = { accessKeyId: "test", secretAccessKey: "test" };

export function endpoint(): string {
  const value = process.env.FAUXQS_ENDPOINT;
  if (!value)
    throw new Error("FAUXQS_ENDPOINT is not set: run the tests through jest's globalSetup");
  return value;
}

export function clients(): { sqs: SQSClient; s3: S3Client } {
  const base = { endpoint: endpoint(), region: "us-east-1", credentials };
  return {
    sqs: new SQSClient({ ...base, useQueueUrlAsEndpoint: false }),
    s3: new S3Client({ ...base, forcePathStyle: true }),
  };
}

/** A new queue (visibility `visibility` s) and bucket with unique names. */
export async function freshTarget(
  { sqs, s3 }: { sqs: SQSClient; s3: S3Client },
  label: string,
  visibility = 120,
): Promise<{ queueUrl: string; bucket: string }> {
  const name = `${label}-${randomBytes(5).toString("hex")}`;
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: String(visibility) },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return { queueUrl: created.QueueUrl ?? "", bucket: name };
}

/** Sends `total` generated events (seeded) and returns them. */
export async function fill(
  sqs: SQSClient,
  queueUrl: string,
  total: number,
  badEventRatio = 0.1,
  seed = 7,
): Promise<GeneratedEvent[]> {
  const generator = new EventGenerator({ badEventRatio, random: seededRandom(seed) });
  const sent: GeneratedEvent[] = [];
  const summary = await runProducer({
    sqs,
    queueUrl,
    total,
    eventsPerSecond: 0,
    concurrency: 8,
    generator: {
      next: () => {
        const event = generator.next();
        sent.push(event);
        return event;
      },
    },
  });
  if (summary.sent !== total) throw new Error(`sent ${summary.sent} of ${total}`);
  return sent;
}

/** One written object: its key and parsed NDJSON records. */
export interface StoredObject {
  readonly key: string;
  readonly records: Record<string, unknown>[];
}

/** Every object of `bucket`, parsed. */
export async function readBucket(s3: S3Client, bucket: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const text = (await got.Body?.transformToString()) ?? "";
      objects.push({
        key: Key ?? "",
        records: text
          .split("\n")
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      });
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** How often each request_id appears under events/ and under quarantine/. */
export function countIds(objects: readonly StoredObject[]) {
  const events = new Map<string, number>();
  const quarantine = new Map<string, number>();
  for (const object of objects) {
    const target = object.key.startsWith("events/") ? events : quarantine;
    for (const record of object.records) {
      const id = String(record.request_id);
      target.set(id, (target.get(id) ?? 0) + 1);
    }
  }
  return { events, quarantine };
}

/** Visible + in flight + delayed messages of a queue. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
