/**
 * The workflow's accounting: for every upload under the variant's prefix, one execution that
 * ended as expected, its results item in DynamoDB (with the quality metrics, or the failure), its
 * copy in the lake, its results (or error report), one announcement on the bus and one SNS
 * notification; and across both paths, no object of one path under the other's keys. Pure:
 * `./collect` reads the services.
 */
import { RESULT_FILES, resultKeysFor } from "@pipeline/processor/contract";
import { DETAIL_TYPES, LAKE_RAW_PREFIX } from "../../config/workflow-names";
import type { BusEvent } from "./bus";
import type { ExecutionStatus } from "./executions";

/** A DynamoDB item in the wire format. */
export type Item = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What one upload of the workflow expects. */
export interface WorkflowFile {
  readonly key: string;
  readonly rows: number;
  readonly size: number;
  /** Whether the processor must reject it (error report, failure path). */
  readonly expectError: boolean;
}

/** Everything the check reads. */
export interface WorkflowReadings {
  /** The variant's prefix (`batch/`). */
  readonly prefix: string;
  readonly files: readonly WorkflowFile[];
  /** The KEDA path's upload keys (under `input/`). */
  readonly kedaKeys: readonly string[];
  readonly executions: readonly { readonly key: string; readonly status: ExecutionStatus }[];
  /** Results table items by object key. */
  readonly items: Readonly<Record<string, Item>>;
  /** Lake bucket: key → size. */
  readonly lake: Readonly<Record<string, number>>;
  /** Every key of the processed bucket. */
  readonly processedKeys: readonly string[];
  /** quality_metrics.json key → the `source.key` it names. */
  readonly metricsSources: Readonly<Record<string, string>>;
  /** Events put on the custom bus. */
  readonly busEvents: readonly BusEvent[];
  /** The events the SNS subscription received (the notifications' messages, parsed). */
  readonly notifications: readonly BusEvent[];
}

/** One upload's outcome, a row of the summary. */
export interface WorkflowOutcome {
  readonly key: string;
  readonly expected: "processed" | "failed";
  readonly execution: ExecutionStatus | "none";
  readonly item: string;
  readonly totalRows?: number;
  readonly lakeCopy: boolean;
  readonly results: "outputs" | "error-report" | "partial" | "missing";
  readonly announced: readonly string[];
  readonly notifications: number;
}

/** The verdict. */
export interface WorkflowAccounting {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly files: readonly WorkflowOutcome[];
}

const OUTPUT_FILES = Object.values(RESULT_FILES);
/** The error of a file the processor rejected: no metrics to read (the definition's ReadQualityMetrics). */
export const REJECTED_ERROR = "S3.NoSuchKeyException";
const s = (item: Item | undefined, attr: string) => item?.[attr]?.S as string | undefined;
const num = (item: Item | undefined, attr: string) => {
  const v = item?.[attr]?.N;
  return typeof v === "string" ? Number(v) : undefined;
};

function resultsOf(keys: ReadonlySet<string>, key: string, prefix: string) {
  const k = resultKeysFor(key, prefix);
  const present = OUTPUT_FILES.filter((f) => keys.has(`${k.resultsPrefix}${f}`)).length;
  if (present === OUTPUT_FILES.length) return "outputs";
  if (present > 0) return "partial";
  return keys.has(k.errorReportKey) ? "error-report" : "missing";
}

/** Checks one upload; its problems are pushed to `problems`. */
function checkFile(r: WorkflowReadings, f: WorkflowFile, problems: string[]): WorkflowOutcome {
  const keys = new Set(r.processedKeys);
  const expected = f.expectError ? "failed" : "processed";
  const execs = r.executions.filter((e) => e.key === f.key);
  const item = r.items[f.key];
  const k = resultKeysFor(f.key, r.prefix);
  const lakeKey = `${LAKE_RAW_PREFIX}${f.key}`;
  const announced = r.busEvents.filter((e) => e.detail.key === f.key);
  const notified = r.notifications.filter((e) => e.detail.key === f.key);
  const outcome: WorkflowOutcome = {
    key: f.key,
    expected,
    execution: execs.length === 1 ? (execs[0]?.status ?? "none") : "none",
    item: s(item, "status") ?? "missing",
    totalRows: num(item, "totalRows"),
    lakeCopy: r.lake[lakeKey] === f.size,
    results: resultsOf(keys, f.key, r.prefix),
    announced: announced.map((e) => e["detail-type"]),
    notifications: notified.length,
  };
  const problem = (text: string) => problems.push(`${f.key}: ${text}`);
  if (execs.length !== 1) problem(`${execs.length} executions, expected 1`);
  const status = f.expectError ? "FAILED" : "SUCCEEDED";
  if (outcome.execution !== status) problem(`execution ${outcome.execution}, expected ${status}`);
  if (!outcome.lakeCopy) problem(`no copy of ${f.size} bytes at lake ${lakeKey}`);
  const type = f.expectError ? DETAIL_TYPES.failed : DETAIL_TYPES.processed;
  if (announced.length !== 1 || announced[0]?.["detail-type"] !== type) {
    problem(`announced [${outcome.announced.join(", ")}], expected one ${type}`);
  }
  if (notified.length !== 1 || notified[0]?.["detail-type"] !== type) {
    problem(`${notified.length} SNS notification(s), expected one ${type}`);
  }
  if (f.expectError) {
    if (outcome.item !== "FAILED") problem(`results item ${outcome.item}, expected FAILED`);
    // A rejected file has no metrics: ReadQualityMetrics fails with NoSuchKey, never retried.
    const errorName = s(item, "errorName");
    if (outcome.item === "FAILED" && errorName !== REJECTED_ERROR) {
      problem(`failed with ${errorName}, expected ${REJECTED_ERROR} (no metrics: file rejected)`);
    }
    if (outcome.results !== "error-report")
      problem(`results ${outcome.results}, expected error report`);
    if (announced[0]?.detail.errorReportKey !== k.errorReportKey) {
      problem(`the failure event names no error report ${k.errorReportKey}`);
    }
    return outcome;
  }
  if (outcome.item !== "SUCCEEDED") problem(`results item ${outcome.item}, expected SUCCEEDED`);
  if (outcome.totalRows !== f.rows)
    problem(`item totalRows ${outcome.totalRows}, uploaded ${f.rows}`);
  for (const attr of ["totalColumns", "missingValues", "duplicateRows"]) {
    if (num(item, attr) === undefined) problem(`item has no ${attr}`);
  }
  if (s(item, "outputPrefix") !== k.resultsPrefix)
    problem(`item outputPrefix is not ${k.resultsPrefix}`);
  if (outcome.results !== "outputs") problem(`results ${outcome.results}, expected outputs`);
  return outcome;
}

/**
 * No object of one path under the other's keys: every processed object is a result (or error
 * report) of an upload of its own path, every metrics file names an upload whose path maps to
 * where it lies, and the lake holds copies of the variant's uploads only.
 */
function checkPaths(r: WorkflowReadings, problems: string[]): void {
  const owner = new Map<string, string>();
  const own = (key: string, prefix: string) => {
    const k = resultKeysFor(key, prefix);
    for (const f of OUTPUT_FILES) owner.set(`${k.resultsPrefix}${f}`, key);
    owner.set(k.errorReportKey, key);
  };
  for (const key of r.kedaKeys) own(key, "input/");
  for (const f of r.files) own(f.key, r.prefix);
  for (const key of r.processedKeys) {
    if (!owner.has(key))
      problems.push(`processed bucket: ${key} belongs to no upload of either path`);
  }
  for (const [metricsKey, source] of Object.entries(r.metricsSources)) {
    const path = source.startsWith(r.prefix) ? r.prefix : "input/";
    if (resultKeysFor(source, path).metricsKey !== metricsKey) {
      problems.push(`processed bucket: ${metricsKey} holds the metrics of ${source} (other keys)`);
    }
  }
  const batch = new Set(r.files.map((f) => `${LAKE_RAW_PREFIX}${f.key}`));
  for (const key of Object.keys(r.lake)) {
    if (!batch.has(key)) problems.push(`lake: ${key} is not a copy of an upload under ${r.prefix}`);
  }
}

/** Checks the readings; every broken expectation is one line of `problems`. */
export function checkWorkflow(r: WorkflowReadings): WorkflowAccounting {
  const problems: string[] = [];
  const files = r.files.map((f) => checkFile(r, f, problems));
  const uploaded = new Set(r.files.map((f) => f.key));
  const strays = r.executions.filter((e) => !uploaded.has(e.key));
  for (const e of strays)
    problems.push(`an execution ran for ${e.key}, not an upload under ${r.prefix}`);
  checkPaths(r, problems);
  return { ok: problems.length === 0, problems, files };
}
