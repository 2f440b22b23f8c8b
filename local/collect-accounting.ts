/**
 * The accounting's readings: the processed bucket's keys and quality metrics, the events bucket's
 * lines and the four queues' depths, checked by {@link checkAccounting} against what the run did.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { KEYS, resultKeysFor } from "@pipeline/processor/contract";
import {
  checkAccounting,
  type Accounting,
  type AccountingInput,
  type ExpectedFile,
} from "./accounting";
import { listKeys, readText } from "./bucket-reads";
import { queueDepth, type LocalResources } from "./emulator";
import { tallyEvents } from "./event-tally";

/**
 * The quality metrics' `total_rows` of each expected file whose metrics object exists, by results
 * prefix; read at the contract's key (`resultKeysFor`), so every results root (`output/`,
 * `output.gz/`, …) is covered.
 */
async function readTotalRows(
  s3: S3Client,
  bucket: string,
  files: readonly ExpectedFile[],
  keys: readonly string[],
): Promise<Record<string, number>> {
  const present = new Set(keys);
  const out: Record<string, number> = {};
  for (const file of files) {
    const { metricsKey, resultsPrefix } = resultKeysFor(file.key);
    if (!present.has(metricsKey)) continue;
    try {
      const metrics: unknown = JSON.parse(await readText(s3, bucket, metricsKey));
      const rows =
        metrics !== null && typeof metrics === "object"
          ? (metrics as Record<string, unknown>).total_rows
          : undefined;
      if (typeof rows === "number") out[resultsPrefix] = rows;
    } catch {
      // An unreadable metrics file leaves total_rows unknown, which the accounting reports.
    }
  }
  return out;
}

/** Reads the buckets and queues and checks them against what the run did. */
export async function collectAccounting(
  clients: { s3: S3Client; sqs: SQSClient },
  resources: LocalResources,
  expected: {
    readonly files: readonly ExpectedFile[];
    readonly produced: number;
    readonly producedInvalid?: number;
    readonly expectedDlqs: AccountingInput["expectedDlqs"];
  },
): Promise<Accounting> {
  const { s3, sqs } = clients;
  const processedKeys = await listKeys(s3, resources.processedBucket);
  const totalRows = await readTotalRows(
    s3,
    resources.processedBucket,
    expected.files,
    processedKeys,
  );
  const eventKeys = [
    ...(await listKeys(s3, resources.eventsBucket, KEYS.eventsPrefix)),
    ...(await listKeys(s3, resources.eventsBucket, KEYS.quarantinePrefix)),
  ];
  const texts = new Map<string, string>();
  for (const key of eventKeys) texts.set(key, await readText(s3, resources.eventsBucket, key));
  const [pq, eq, pdlq, edlq] = await Promise.all([
    queueDepth(sqs, resources.preprocessQueueUrl),
    queueDepth(sqs, resources.eventsQueueUrl),
    queueDepth(sqs, resources.preprocessDlqUrl),
    queueDepth(sqs, resources.eventsDlqUrl),
  ]);
  return checkAccounting({
    files: expected.files,
    processedKeys,
    totalRows,
    produced: expected.produced,
    producedInvalid: expected.producedInvalid,
    events: tallyEvents(texts),
    queues: { preprocess: pq, events: eq },
    dlqs: {
      preprocess: pdlq.visible + pdlq.inFlight,
      events: edlq.visible + edlq.inFlight,
    },
    expectedDlqs: expected.expectedDlqs,
  });
}
