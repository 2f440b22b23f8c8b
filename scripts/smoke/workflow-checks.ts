/**
 * The smoke test's verdicts on the orchestrated variant's records of an upload: the results
 * table's item (the key, status, output place and metrics the state machine's StoreResults writes)
 * and the notification (the bus event the announcement rule forwards to the topic). Names come from
 * config/workflow-names.ts, which the definition builds its states from. Pure.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DETAIL_TYPES, METRIC_ATTRIBUTES } from "../../config/workflow-names";
import type { BusEvent } from "../../local/workflow/bus";
import type { StepStatus } from "./checks";
import type { PlannedUpload } from "./plan";

/** A results table item as GetItem returns it. */
export type ResultsItem = Readonly<Record<string, AttributeValue>>;

/** The attribute that keeps quality_metrics.json's `total_rows` (a key of METRIC_ATTRIBUTES). */
const ROWS = "totalRows" satisfies keyof typeof METRIC_ATTRIBUTES;

const text = (v: AttributeValue | undefined) => (v && "S" in v ? v.S : undefined);
const num = (v: AttributeValue | undefined) => (v && "N" in v ? Number(v.N) : undefined);

/** What an execution records when it fails (RecordFailure), for the failure message. */
function failureOf(item: ResultsItem): string {
  const cause = text(item.errorCause) ?? "";
  return `${text(item.errorName) ?? "an error"}${cause ? `: ${cause.slice(0, 300)}` : ""}`;
}

/**
 * The item of `upload` in the results table: SUCCEEDED, in the processed bucket under the upload's
 * results prefix, `totalRows` counting the uploaded rows. FAILED fails the step at once.
 */
export function itemStatus(
  upload: PlannedUpload,
  item: ResultsItem | undefined,
  where: { readonly table: string; readonly processedBucket: string },
): StepStatus {
  if (item === undefined) return { done: false, detail: "no item" };
  const status = text(item.status) ?? "no status";
  const executionArn = text(item.executionArn);
  const ran = executionArn ? ` (execution ${executionArn})` : "";
  if (status === "FAILED") {
    return {
      done: false,
      failure: `the workflow recorded FAILED for ${upload.key} in ${where.table}${ran}: ${failureOf(item)}`,
      detail: "FAILED",
      executionArn,
    };
  }
  if (status !== "SUCCEEDED") return { done: false, detail: status, executionArn };
  const wrong = (what: string, got: unknown, want: unknown): StepStatus => ({
    done: false,
    failure: `the item of ${upload.key} in ${where.table} has ${what} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}${ran}`,
    detail: `SUCCEEDED, wrong ${what}`,
    executionArn,
  });
  const rows = num(item[ROWS]);
  if (text(item.outputBucket) !== where.processedBucket) {
    return wrong("outputBucket", text(item.outputBucket), where.processedBucket);
  }
  if (text(item.outputPrefix) !== upload.results.resultsPrefix) {
    return wrong("outputPrefix", text(item.outputPrefix), upload.results.resultsPrefix);
  }
  if (rows !== upload.rows) return wrong(ROWS, rows, upload.rows);
  return { done: true, detail: `SUCCEEDED, ${ROWS} ${rows}`, executionArn };
}

/**
 * The notification of `upload` among `events` (every bus event the run's queue received):
 * InputDataProcessed for its key with metrics counting the uploaded rows; the failure
 * announcement fails the step at once. Other uploads' notifications are not the run's and are
 * ignored.
 */
export function notificationStatus(
  upload: PlannedUpload,
  events: readonly BusEvent[],
  topicArn: string,
): StepStatus {
  const mine = events.filter((e) => e.detail.key === upload.key);
  const detail = `${mine.length} for this upload, ${events.length - mine.length} other`;
  const executionArn = mine
    .map((e) => e.detail.executionArn)
    .find((a): a is string => typeof a === "string");
  const failed = mine.find((e) => e["detail-type"] === DETAIL_TYPES.failed);
  if (failed) {
    return {
      done: false,
      failure:
        `the topic ${topicArn} notified ${DETAIL_TYPES.failed} for ${upload.key}` +
        `${executionArn ? ` (execution ${executionArn})` : ""}: ` +
        JSON.stringify(failed.detail.error ?? {}).slice(0, 300),
      detail,
      executionArn,
    };
  }
  const done = mine.find((e) => e["detail-type"] === DETAIL_TYPES.processed);
  if (!done) return { done: false, detail, executionArn };
  const metrics = done.detail.metrics as { total_rows?: unknown } | undefined;
  if (metrics?.total_rows !== upload.rows) {
    return {
      done: false,
      failure: `the ${DETAIL_TYPES.processed} notification of ${upload.key} counts total_rows ${JSON.stringify(metrics?.total_rows)}, the upload has ${upload.rows} rows`,
      detail,
      executionArn,
    };
  }
  if (done.detail.outputPrefix !== upload.results.resultsPrefix) {
    return {
      done: false,
      failure: `the ${DETAIL_TYPES.processed} notification of ${upload.key} names outputPrefix ${JSON.stringify(done.detail.outputPrefix)}, expected ${upload.results.resultsPrefix}`,
      detail,
      executionArn,
    };
  }
  return {
    done: true,
    detail: `${DETAIL_TYPES.processed}, total_rows ${upload.rows}`,
    executionArn,
  };
}

/** Whether `err` is DynamoDB's answer for a table that does not exist. */
export function isMissingTable(err: unknown): err is Error {
  return err instanceof Error && err.name === "ResourceNotFoundException";
}

/**
 * The item step's verdict when reading the item failed, or undefined for an error worth another
 * look: a missing table (DynamoDB's ResourceNotFoundException) can never pass.
 */
export function itemReadFailure(err: unknown, table: string): StepStatus | undefined {
  if (!isMissingTable(err)) return undefined;
  return {
    done: false,
    failure:
      `the results table ${table} does not exist (DynamoDB: ${err.message}): the state machine ` +
      "cannot record any upload; is the stack deployed (pulumi up), and does " +
      "AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) point where it is?",
    detail: "no table",
  };
}
