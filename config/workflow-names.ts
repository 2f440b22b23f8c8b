/**
 * The orchestrated variant's stable names: the events it puts on its bus (a contract for
 * subscribers), the lake's prefixes, the state names (they appear in execution history, alarms and
 * tests) and the results table's attributes. Shared by the definition, the component, its IAM and
 * its patterns; and the smoke test, which reads the table and the notifications.
 */

/** `source` of the events the state machine puts on the custom bus. */
export const EVENT_SOURCE = "event-pipeline.orchestration";

/** `detail-type` of the events the state machine puts on the custom bus (contract for subscribers). */
export const DETAIL_TYPES = {
  processed: "InputDataProcessed",
  failed: "InputDataProcessingFailed",
} as const;

/** Where the lake keeps the copied inputs: `raw/<original key>`. */
export const LAKE_RAW_PREFIX = "raw/";
/** Where the lake keeps the EMR engine's Spark entry point. */
export const LAKE_ARTIFACTS_PREFIX = "artifacts/";

/** Names of the states (stable: they appear in execution history, alarms and tests). */
export const STATE_NAMES = {
  describe: "DescribeInput",
  process: "ProcessAndArchive",
  runJob: "RunProcessingJob",
  copy: "CopyInputToLake",
  readMetrics: "ReadQualityMetrics",
  store: "StoreResults",
  announce: "AnnounceProcessed",
  recordFailure: "RecordFailure",
  announceFailure: "AnnounceFailure",
  failed: "ProcessingFailed",
} as const;

/** The quality metrics the results table keeps, by attribute name → field of quality_metrics.json. */
export const METRIC_ATTRIBUTES = {
  totalRows: "total_rows",
  totalColumns: "total_columns",
  missingValues: "missing_values_count",
  duplicateRows: "duplicate_rows",
} as const;

/** Partition key of the results table: the raw object's key. */
export const RESULTS_TABLE_KEY = "objectKey";
