/**
 * The workflow accounting's readings: the results table (a Scan on dynalite), the lake and the
 * processed bucket, the metrics files' sources, the bus's events, and the notifications the SNS
 * subscription's queue received.
 */
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { RESULT_FILES } from "@pipeline/processor/contract";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import { listKeys, readText } from "../bucket-reads";
import type { Item, WorkflowReadings } from "./accounting";
import type { BusEvent } from "./bus";

/** Every item of `table`, by its key. */
export async function scanItems(
  dynamo: DynamoDBClient,
  table: string,
): Promise<Record<string, Item>> {
  const out: Record<string, Item> = {};
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }),
    );
    for (const item of page.Items ?? []) {
      const key = item[RESULTS_TABLE_KEY]?.S;
      if (key !== undefined) out[key] = item as unknown as Item;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Every object of `bucket` with its size. */
export async function objectSizes(s3: S3Client, bucket: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) out[o.Key] = o.Size ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The event inside one SNS notification delivered to SQS (the SNS envelope's `Message`). */
export function notifiedEvent(body: string): BusEvent | undefined {
  try {
    const envelope = JSON.parse(body) as { Type?: string; Message?: string };
    const message = envelope.Type === "Notification" ? envelope.Message : body;
    return message === undefined ? undefined : (JSON.parse(message) as BusEvent);
  } catch {
    return undefined;
  }
}

/** Receives (and deletes) every notification waiting in the subscriber queue. */
export async function drainNotifications(sqs: SQSClient, queueUrl: string): Promise<BusEvent[]> {
  const out: BusEvent[] = [];
  for (;;) {
    const page = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const event = notifiedEvent(m.Body ?? "");
      if (event) out.push(event);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** `source.key` of every quality_metrics.json in the processed bucket. */
export async function metricsSources(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of keys.filter((k) => k.endsWith(`/${RESULT_FILES.qualityMetrics}`))) {
    try {
      const metrics = JSON.parse(await readText(s3, bucket, key)) as { source?: { key?: unknown } };
      if (typeof metrics.source?.key === "string") out[key] = metrics.source.key;
    } catch {
      // An unreadable metrics file names no source; the outputs check still applies.
    }
  }
  return out;
}

/** Reads everything the accounting checks, but what the run itself knows. */
export async function readServices(
  clients: { readonly s3: S3Client; readonly sqs: SQSClient; readonly dynamo: DynamoDBClient },
  where: {
    readonly table: string;
    readonly lakeBucket: string;
    readonly processedBucket: string;
    readonly notificationQueueUrl: string;
  },
): Promise<
  Pick<WorkflowReadings, "items" | "lake" | "processedKeys" | "metricsSources" | "notifications">
> {
  const processedKeys = await listKeys(clients.s3, where.processedBucket);
  return {
    items: await scanItems(clients.dynamo, where.table),
    lake: await objectSizes(clients.s3, where.lakeBucket),
    processedKeys,
    metricsSources: await metricsSources(clients.s3, where.processedBucket, processedKeys),
    notifications: await drainNotifications(clients.sqs, where.notificationQueueUrl),
  };
}
