/**
 * The end-of-run accounting: every uploaded file has its outputs (or, when it was meant to fail, its
 * error report), every produced event is stored or quarantined exactly once by request_id
 * (duplicates are allowed under at-least-once delivery and reported), the main queues are empty and
 * the DLQs hold what was expected. Pure: `./collect-accounting` reads the buckets and queues,
 * `./event-tally` tallies the events bucket's lines.
 */
import { RESULT_FILES, resultKeysFor } from "@pipeline/processor/contract";
import type { StoredEvents } from "./event-tally";
import type { QueueDepth } from "../k8s/scaling";

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
    } else if (f.found === "outputs" && f.totalRows === undefined) {
      problems.push(`${f.key}: quality_metrics has no readable total_rows`);
    } else if (f.found === "outputs" && f.totalRows !== f.rows) {
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
