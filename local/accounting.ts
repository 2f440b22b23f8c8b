/**
 * The end-of-run accounting: every uploaded file has its outputs (or, when it was meant to fail, its
 * error report), every produced event is stored or quarantined exactly once by request_id
 * (duplicates are allowed under at-least-once delivery and reported), the main queues are empty and
 * the DLQs hold what was expected. `checkAccounting` is pure; `collectAccounting` reads the buckets.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  EVENT_TYPE_ATTRIBUTE,
  KEYS,
  RESULT_FILES,
  resultKeysFor,
} from "@pipeline/processor/contract";
import { queueDepth, type LocalResources } from "./emulator";
import type { QueueDepth } from "./scaler";

/** The four objects every processed file gets under its output prefix (contract). */
export const OUTPUT_FILES = Object.values(RESULT_FILES);

/**
 * The results prefix and error report of a KEDA-path upload: the processor's own mapping, so local
 * mode looks exactly where the job writes.
 */
export const outputPrefix = (key: string): string => resultKeysFor(key).resultsPrefix;
export const errorReportKey = (key: string): string => resultKeysFor(key).errorReportKey;

/** What a run uploaded and expects. */
export interface ExpectedFile {
  readonly key: string;
  readonly rows: number;
  readonly expectError: boolean;
}

/** What was found for one file. */
export interface FileOutcome {
  readonly key: string;
  readonly rows: number;
  readonly expected: "outputs" | "error-report";
  /** `outputs`: all four objects; `partial`: some; `error-report`; `missing`: nothing. */
  readonly found: "outputs" | "partial" | "error-report" | "missing";
  /** `total_rows` of quality_metrics.json, when outputs exist. */
  readonly totalRows?: number;
}

/** What the events bucket holds. */
export interface StoredEvents {
  /** request_ids of every line under events/ (with repetitions). */
  readonly storedIds: readonly string[];
  /** request_ids of every line under quarantine/ that carries one. */
  readonly quarantinedIds: readonly string[];
  /** Quarantined lines without a readable request_id (a body that was not JSON, for example). */
  readonly quarantinedWithoutId: number;
  /** Lines per `event_type=` partition. */
  readonly byType: Readonly<Record<string, number>>;
  readonly objects: number;
}

/** Everything the check needs. */
export interface AccountingInput {
  readonly files: readonly ExpectedFile[];
  readonly processedKeys: readonly string[];
  /** quality_metrics.json `total_rows` per output prefix. */
  readonly totalRows: Readonly<Record<string, number>>;
  /** Events the producers report they sent. */
  readonly produced: number;
  /** Of which deliberately invalid, when the producers report it. */
  readonly producedInvalid?: number;
  readonly events: StoredEvents;
  readonly queues: Readonly<Record<"preprocess" | "events", QueueDepth>>;
  readonly dlqs: Readonly<Record<"preprocess" | "events", number>>;
  readonly expectedDlqs: Readonly<Record<"preprocess" | "events", number>>;
}

/** The verdict. */
export interface Accounting {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly files: readonly FileOutcome[];
  readonly events: {
    readonly produced: number;
    readonly stored: number;
    readonly quarantined: number;
    readonly duplicates: number;
    readonly byType: Readonly<Record<string, number>>;
    readonly objects: number;
  };
  readonly queues: AccountingInput["queues"];
  readonly dlqs: AccountingInput["dlqs"];
}

function fileOutcome(file: ExpectedFile, keys: ReadonlySet<string>, input: AccountingInput) {
  const prefix = outputPrefix(file.key);
  const present = OUTPUT_FILES.filter((name) => keys.has(`${prefix}${name}`)).length;
  let found: FileOutcome["found"] = "missing";
  if (present === OUTPUT_FILES.length) found = "outputs";
  else if (present > 0) found = "partial";
  else if (keys.has(errorReportKey(file.key))) found = "error-report";
  const outcome: FileOutcome = {
    key: file.key,
    rows: file.rows,
    expected: file.expectError ? "error-report" : "outputs",
    found,
    totalRows: input.totalRows[prefix],
  };
  return outcome;
}

function distinct(ids: readonly string[]): Set<string> {
  return new Set(ids);
}

/** Checks `input`; every broken expectation is one line of `problems`. */
export function checkAccounting(input: AccountingInput): Accounting {
  const problems: string[] = [];
  const keys = new Set(input.processedKeys);
  const files = input.files.map((f) => fileOutcome(f, keys, input));
  for (const f of files) {
    if (f.found !== f.expected) {
      problems.push(`${f.key}: expected ${f.expected}, found ${f.found}`);
    } else if (f.found === "outputs" && f.totalRows !== undefined && f.totalRows !== f.rows) {
      problems.push(`${f.key}: quality_metrics total_rows ${f.totalRows}, uploaded ${f.rows} rows`);
    }
  }

  const stored = distinct(input.events.storedIds);
  const quarantined = distinct(input.events.quarantinedIds);
  const both = [...stored].filter((id) => quarantined.has(id));
  if (both.length > 0) {
    problems.push(`${both.length} request_id(s) both stored and quarantined, e.g. ${both[0]}`);
  }
  const quarantinedCount = quarantined.size + input.events.quarantinedWithoutId;
  const accounted = stored.size + quarantinedCount - both.length;
  if (accounted !== input.produced) {
    problems.push(
      `events: ${stored.size} stored + ${quarantinedCount} quarantined = ${accounted}, but ${input.produced} produced`,
    );
  }
  if (input.producedInvalid !== undefined && quarantinedCount !== input.producedInvalid) {
    problems.push(
      `events: ${quarantinedCount} quarantined, but ${input.producedInvalid} invalid events produced`,
    );
  }
  const duplicates =
    input.events.storedIds.length -
    stored.size +
    (input.events.quarantinedIds.length - quarantined.size);

  for (const q of ["preprocess", "events"] as const) {
    const depth = input.queues[q];
    if (depth.visible + depth.inFlight > 0) {
      problems.push(`${q} queue not empty: ${depth.visible} visible, ${depth.inFlight} in flight`);
    }
    if (input.dlqs[q] !== input.expectedDlqs[q]) {
      problems.push(
        `${q} DLQ holds ${input.dlqs[q]} message(s), expected ${input.expectedDlqs[q]}`,
      );
    }
  }

  return {
    ok: problems.length === 0,
    problems,
    files,
    events: {
      produced: input.produced,
      stored: stored.size,
      quarantined: quarantinedCount,
      duplicates,
      byType: input.events.byType,
      objects: input.events.objects,
    },
    queues: input.queues,
    dlqs: input.dlqs,
  };
}

/** The request_id of a stored or quarantined NDJSON line, wherever the record keeps it. */
export function requestIdOf(record: unknown): string | undefined {
  if (record === null || typeof record !== "object") return undefined;
  const r = record as Record<string, unknown>;
  if (typeof r.request_id === "string") return r.request_id;
  for (const field of ["event", "record", "original", "payload"]) {
    const inner = requestIdOf(r[field]);
    if (inner !== undefined) return inner;
  }
  for (const field of ["body", "raw"]) {
    const text = r[field];
    if (typeof text === "string") {
      try {
        const inner = requestIdOf(JSON.parse(text));
        if (inner !== undefined) return inner;
      } catch {
        // not JSON: the record has no readable request_id
      }
    }
  }
  return undefined;
}

/** Tallies NDJSON objects of the events bucket (`key` → text) into {@link StoredEvents}. */
export function tallyEvents(objects: ReadonlyMap<string, string>): StoredEvents {
  const storedIds: string[] = [];
  const quarantinedIds: string[] = [];
  let quarantinedWithoutId = 0;
  const byType: Record<string, number> = {};
  for (const [key, text] of objects) {
    const isEvents = key.startsWith(KEYS.eventsPrefix);
    const isQuarantine = key.startsWith(KEYS.quarantinePrefix);
    if (!isEvents && !isQuarantine) continue;
    const type = new RegExp(`${EVENT_TYPE_ATTRIBUTE}=([^/]+)/`).exec(key)?.[1] ?? "unknown";
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let id: string | undefined;
      try {
        id = requestIdOf(JSON.parse(line));
      } catch {
        id = undefined;
      }
      if (isEvents) {
        byType[type] = (byType[type] ?? 0) + 1;
        // A stored event without a request_id breaks the contract; count it under a marker.
        storedIds.push(id ?? `<line without request_id in ${key}>`);
      } else if (id !== undefined) {
        quarantinedIds.push(id);
      } else {
        quarantinedWithoutId++;
      }
    }
  }
  return { storedIds, quarantinedIds, quarantinedWithoutId, byType, objects: objects.size };
}

/** Every key of `bucket` under `prefix` (all pages). */
export async function listKeys(s3: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body ? await out.Body.transformToString("utf8") : "";
}

/** The quality metrics' `total_rows` of every complete output prefix. */
async function readTotalRows(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const metricsFile = `/${RESULT_FILES.qualityMetrics}`;
    if (!key.startsWith(KEYS.outputPrefix) || !key.endsWith(metricsFile)) continue;
    try {
      const metrics: unknown = JSON.parse(await readText(s3, bucket, key));
      const rows =
        metrics !== null && typeof metrics === "object"
          ? (metrics as Record<string, unknown>).total_rows
          : undefined;
      if (typeof rows === "number") out[key.slice(0, 1 - metricsFile.length)] = rows;
    } catch {
      // An unreadable metrics file leaves total_rows unknown; the file check still applies.
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
  const totalRows = await readTotalRows(s3, resources.processedBucket, processedKeys);
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
