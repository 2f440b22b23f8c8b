/**
 * What the smoke test reads from the stack, read-only: the objects under an upload's results
 * prefix and its quality metrics, the event objects written since the run started, and an
 * upload's item in the results table (queue depths: local/emulator.ts `queueDepth`, the reading
 * KEDA's scaler makes). Every read names its bucket and prefix, or its table key, so it never
 * reads more than the run needs.
 */
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { RESULT_FILES } from "@pipeline/processor/contract";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import type { PlannedUpload } from "./plan";
import type { ResultsItem } from "./workflow-checks";

/** An object found under a prefix. */
export interface Listed {
  readonly key: string;
  readonly lastModified: number;
}

/** Every object under `prefix` of `bucket` (all pages). */
export async function listUnder(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key) out.push({ key: o.Key, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The text of one object. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString("utf8")) ?? "";
}

/** Whether `key` exists (a 404 is false; any other error is thrown). */
export async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (err as Error).name === "NotFound") return false;
    throw err;
  }
}

/** What an upload's results prefix holds so far. */
export interface UploadResults {
  /** Which of the four result files exist. */
  readonly files: readonly string[];
  /** `total_rows` of quality_metrics.json once it exists. */
  readonly totalRows: number | undefined;
  /** The error report's text when the job rejected the file. */
  readonly errorReport: string | undefined;
}

/** Reads an upload's results: the files present, the metrics' row count, the error report. */
export async function readUploadResults(
  s3: S3Client,
  bucket: string,
  upload: PlannedUpload,
): Promise<UploadResults> {
  const listed = await listUnder(s3, bucket, upload.results.resultsPrefix);
  const names = new Set(listed.map((o) => o.key.slice(upload.results.resultsPrefix.length)));
  const files = Object.values(RESULT_FILES).filter((f) => names.has(f));
  let totalRows: number | undefined;
  if (names.has(RESULT_FILES.qualityMetrics)) {
    const metrics = JSON.parse(await readText(s3, bucket, upload.results.metricsKey)) as {
      total_rows?: unknown;
    };
    totalRows = typeof metrics.total_rows === "number" ? metrics.total_rows : Number.NaN;
  }
  const errorReport = (await exists(s3, bucket, upload.results.errorReportKey))
    ? await readText(s3, bucket, upload.results.errorReportKey)
    : undefined;
  return { files, totalRows, errorReport };
}

/**
 * Reads the objects under `prefixes` written since `sinceMs` that `seen` does not hold yet, and adds
 * them to it (`key` → text). S3's LastModified is the server's clock: one minute of skew is allowed.
 */
export async function readNewObjects(
  s3: S3Client,
  bucket: string,
  prefixes: readonly string[],
  sinceMs: number,
  seen: Map<string, string>,
): Promise<void> {
  for (const prefix of prefixes) {
    for (const o of await listUnder(s3, bucket, prefix)) {
      if (seen.has(o.key) || o.lastModified < sinceMs - 60_000) continue;
      seen.set(o.key, await readText(s3, bucket, o.key));
    }
  }
}

/**
 * The results table's item of `key` (the raw object's key, the table's partition key), read
 * strongly consistent: the state machine's write is visible as soon as it returned.
 */
export async function readItem(
  dynamo: DynamoDBClient,
  table: string,
  key: string,
): Promise<ResultsItem | undefined> {
  const got = await dynamo.send(
    new GetItemCommand({
      TableName: table,
      Key: { [RESULTS_TABLE_KEY]: { S: key } },
      ConsistentRead: true,
    }),
  );
  return got.Item;
}
