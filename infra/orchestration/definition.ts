/**
 * The orchestrated variant's state machine, built as typed data from resolved names and ARNs:
 *
 *   DescribeInput (JSONata: normalise the S3 "Object Created" event, derive every key)
 *   → ProcessAndArchive (Parallel: the processing job on EKS — or EMR on EKS — and a copy of the
 *     input into the lake bucket)
 *   → ReadQualityMetrics (S3 GetObject of quality_metrics.json)
 *   → StoreResults (DynamoDB UpdateItem) → AnnounceProcessed (PutEvents InputDataProcessed)
 *   Catch on every step → RecordFailure (UpdateItem status FAILED) → AnnounceFailure
 *   (PutEvents InputDataProcessingFailed) → ProcessingFailed (Fail).
 *
 * Pure: no Pulumi; the component serialises the result with JSON.stringify inside an apply.
 */
import {
  errorReportKeyFor,
  INPUT_FORMATS,
  PATH_PREFIX_PATTERN,
  RESULT_FILES,
  resultsRootFor,
  UNSUPPORTED_FORMAT_TAG,
} from "@pipeline/processor/contract";
import {
  integrationArn,
  type Catcher,
  type PayloadTemplate,
  type Retrier,
  type State,
  type StateMachineDefinition,
  type TaskState,
} from "./asl";
import {
  EVENT_SOURCE,
  DETAIL_TYPES,
  LAKE_RAW_PREFIX,
  STATE_NAMES,
  METRIC_ATTRIBUTES,
  RESULTS_TABLE_KEY,
} from "../../config/workflow-names";

/** The processing job as a Kubernetes Job on the cluster (`eks:runJob.sync`). */
export interface EksEngineInput {
  readonly kind: "eks";
  readonly clusterName: string;
  /** The API server URL (`https://…`); Step Functions reaches it over the public endpoint. */
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA. */
  readonly certificateAuthority: string;
  readonly namespace: string;
  /** The batch/v1 Job manifest (a payload template: may use `.$` keys), see `job.ts`. */
  readonly job: PayloadTemplate;
}

/** The processing job as a Spark job run on an EMR on EKS virtual cluster. */
export interface EmrEngineInput {
  readonly kind: "emr";
  readonly virtualClusterId: string;
  readonly executionRoleArn: string;
  /** EMR release, e.g. emr-7.9.0-latest. */
  readonly releaseLabel: string;
  /** `s3://…/preprocess_object.py` */
  readonly entryPoint: string;
  /** `--conf …` flags (service account, executor sizing). */
  readonly sparkSubmitParameters: string;
}

export interface DefinitionInput {
  /** AWS partition of every integration ARN (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  /** Raw key prefix this path owns, e.g. `batch/`. */
  readonly prefix: string;
  readonly processedBucket: string;
  readonly lakeBucket: string;
  readonly tableName: string;
  /** Name (or ARN) of the custom event bus. */
  readonly eventBusName: string;
  /** Hard limit on one processing job, seconds. */
  readonly jobTimeoutSeconds: number;
  readonly engine: EksEngineInput | EmrEngineInput;
}

/** Transient failures of a quick AWS call: a few fast retries with jitter. */
const quickRetry: Retrier = {
  ErrorEquals: ["States.TaskFailed"],
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: "FULL",
};

/**
 * A failed processing job is retried twice, minutes apart (spot interruption, throttling). The Job
 * itself has backoffLimit 0, so every attempt is visible in the execution history. A timeout is not
 * retried: the same input would time out again.
 */
const jobRetry: Retrier = {
  ErrorEquals: ["States.TaskFailed"],
  IntervalSeconds: 60,
  MaxAttempts: 2,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/** Every failure of the main path ends in the failure path with the error at `$.error`. */
const toFailurePath: Catcher = {
  ErrorEquals: ["States.ALL"],
  ResultPath: "$.error",
  Next: STATE_NAMES.recordFailure,
};

/**
 * JSONata of the contract's `resultKeysFor(key, prefix)` results prefix, built from the same
 * tables: the path prefix off the front, then one branch per format (longest suffix first, exact
 * case), else the unsupported-format root. tests/orchestration-dataflow.test.ts evaluates it
 * against the TypeScript function.
 */
export function resultsPrefixExpression(prefix: string, key: string): string {
  let expr = `'${resultsRootFor(prefix, UNSUPPORTED_FORMAT_TAG)}' & $name & '/'`;
  for (const { suffix, tag } of [...INPUT_FORMATS].reverse()) {
    const n = suffix.length;
    const middle = `$substring($name, 0, $length($name) - ${n})`;
    expr = `$substring($name, -${n}) = '${suffix}' ? '${resultsRootFor(prefix, tag)}' & ${middle} & '/' : (${expr})`;
  }
  return `($name := $substringAfter(${key}, '${prefix}'); ${expr})`;
}

/** JSONata that derives every key from the S3 event, by the processor's contract (`resultKeysFor`). */
export function describeInputState(prefix: string, next: string): State {
  if (!PATH_PREFIX_PATTERN.test(prefix)) throw new Error(`invalid prefix ${prefix}`);
  const key = "$states.input.detail.object.key";
  const results = resultsPrefixExpression(prefix, key);
  // errors/<key>.json: the contract's rule around the whole key.
  const [errorsBefore, errorsAfter] = errorReportKeyFor("\u0000").split("\u0000");
  const version = "$states.input.detail.object.`version-id`";
  return {
    Type: "Pass",
    QueryLanguage: "JSONata",
    Comment: "Normalise the S3 Object Created event and derive the output, lake and report keys",
    Output: {
      object: {
        bucket: "{% $states.input.detail.bucket.name %}",
        key: `{% ${key} %}`,
        etag: "{% $states.input.detail.object.etag %}",
        size: "{% $states.input.detail.object.size %}",
        outputPrefix: `{% ${results} %}`,
        metricsKey: `{% ${results} & '${RESULT_FILES.qualityMetrics}' %}`,
        errorReportKey: `{% '${errorsBefore}' & ${key} & '${errorsAfter}' %}`,
        lakeKey: `{% '${LAKE_RAW_PREFIX}' & ${key} %}`,
        // CopySource is URL-encoded; pin the exact version that raised the event when there is one.
        copySource: `{% $states.input.detail.bucket.name & '/' & $encodeUrlComponent(${key}) & ($exists(${version}) ? '?versionId=' & $encodeUrlComponent(${version}) : '') %}`,
      },
      eventId: "{% $states.input.id %}",
      eventTime: "{% $states.input.time %}",
    },
    Next: next,
  };
}

/** The processing task for the chosen engine (ends its Parallel branch). */
export function processingTask(input: DefinitionInput): TaskState {
  const common = {
    Type: "Task" as const,
    // The job's own deadline plus time to schedule a node and pull the image.
    TimeoutSeconds: input.jobTimeoutSeconds + 600,
    ResultPath: null,
    Retry: [jobRetry],
    End: true as const,
  };
  const e = input.engine;
  if (e.kind === "eks") {
    return {
      ...common,
      Comment: "Run processor preprocess-object as a Kubernetes Job and wait for it",
      Resource: integrationArn(input.partition, "eks:runJob.sync"),
      Parameters: {
        ClusterName: e.clusterName,
        CertificateAuthority: e.certificateAuthority,
        Endpoint: e.endpoint,
        Namespace: e.namespace,
        // Logs stay in the cluster's log pipeline: they could exceed the 256 KiB state payload.
        LogOptions: { RetrieveLogs: false },
        Job: e.job,
      },
    };
  }
  return {
    ...common,
    Comment: "Run the Spark preprocessing on the EMR on EKS virtual cluster and wait for it",
    Resource: integrationArn(input.partition, "emr-containers:startJobRun.sync"),
    Parameters: {
      VirtualClusterId: e.virtualClusterId,
      ExecutionRoleArn: e.executionRoleArn,
      ReleaseLabel: e.releaseLabel,
      "Name.$": "States.Format('batch-{}', $.eventId)",
      JobDriver: {
        SparkSubmitJobDriver: {
          EntryPoint: e.entryPoint,
          "EntryPointArguments.$": `States.Array('--bucket', $.object.bucket, '--key', $.object.key, '--output-bucket', '${input.processedBucket}', '--output-prefix', $.object.outputPrefix, '--error-key', $.object.errorReportKey)`,
          SparkSubmitParameters: e.sparkSubmitParameters,
        },
      },
    },
  };
}

/** The copy of the input into the lake (ends its Parallel branch). */
export function copyToLakeTask(input: DefinitionInput): TaskState {
  return {
    Type: "Task",
    Comment: "Copy the exact input version into the lake bucket",
    Resource: integrationArn(input.partition, "aws-sdk:s3:copyObject"),
    Parameters: {
      Bucket: input.lakeBucket,
      "Key.$": "$.object.lakeKey",
      "CopySource.$": "$.object.copySource",
      // The archive does not carry the upload's tags (and the role needs no tagging permissions).
      TaggingDirective: "REPLACE",
    },
    ResultPath: null,
    Retry: [quickRetry],
    End: true,
  };
}

/** `PutEvents` of one event on the custom bus. */
function putEvent(
  input: DefinitionInput,
  detailType: string,
  detail: PayloadTemplate,
): TaskState["Parameters"] {
  return {
    Entries: [
      {
        EventBusName: input.eventBusName,
        Source: EVENT_SOURCE,
        DetailType: detailType,
        Detail: detail,
      },
    ],
  };
}

/** The whole definition. */
export function buildDefinition(input: DefinitionInput): StateMachineDefinition {
  if (!Number.isInteger(input.jobTimeoutSeconds) || input.jobTimeoutSeconds < 60) {
    throw new Error(`jobTimeoutSeconds must be an integer >= 60, got ${input.jobTimeoutSeconds}`);
  }
  const p = input.partition;
  const n = STATE_NAMES;
  const metricValues = Object.fromEntries(
    Object.entries(METRIC_ATTRIBUTES).map(([attr, field]) => [
      `:${attr}`,
      { "N.$": `States.Format('{}', $.result.metrics.${field})` },
    ]),
  );
  const objectDetail = {
    "bucket.$": "$.object.bucket",
    "key.$": "$.object.key",
    "etag.$": "$.object.etag",
    "executionArn.$": "$$.Execution.Id",
  };
  const states: Record<string, State> = {
    [n.describe]: describeInputState(input.prefix, n.process),
    [n.process]: {
      Type: "Parallel",
      Comment: "Process the input and archive it in the lake at the same time",
      Branches: [
        { StartAt: n.runJob, States: { [n.runJob]: processingTask(input) } },
        { StartAt: n.copy, States: { [n.copy]: copyToLakeTask(input) } },
      ],
      ResultPath: null,
      Catch: [toFailurePath],
      Next: n.readMetrics,
    },
    [n.readMetrics]: {
      Type: "Task",
      Comment: "Read the quality metrics the job wrote",
      Resource: integrationArn(p, "aws-sdk:s3:getObject"),
      Parameters: { Bucket: input.processedBucket, "Key.$": "$.object.metricsKey" },
      ResultSelector: { "metrics.$": "States.StringToJson($.Body)" },
      ResultPath: "$.result",
      Retry: [
        // No metrics means the processor rejected the file (see errors/<key>.json): do not retry.
        { ErrorEquals: ["S3.NoSuchKeyException"], MaxAttempts: 0 },
        quickRetry,
      ],
      Catch: [toFailurePath],
      Next: n.store,
    },
    [n.store]: {
      Type: "Task",
      Comment: "Record the result of this input",
      Resource: integrationArn(p, "dynamodb:updateItem"),
      Parameters: {
        TableName: input.tableName,
        Key: { [RESULTS_TABLE_KEY]: { "S.$": "$.object.key" } },
        UpdateExpression: [
          "SET #status = :status, etag = :etag, outputBucket = :outputBucket,",
          "outputPrefix = :outputPrefix, lakeKey = :lakeKey, executionArn = :executionArn,",
          "updatedAt = :updatedAt,",
          Object.keys(METRIC_ATTRIBUTES)
            .map((a) => `${a} = :${a}`)
            .join(", "),
          "REMOVE errorName, errorCause",
        ].join(" "),
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":status": { S: "SUCCEEDED" },
          ":etag": { "S.$": "$.object.etag" },
          ":outputBucket": { S: input.processedBucket },
          ":outputPrefix": { "S.$": "$.object.outputPrefix" },
          ":lakeKey": { "S.$": "$.object.lakeKey" },
          ":executionArn": { "S.$": "$$.Execution.Id" },
          ":updatedAt": { "S.$": "$$.State.EnteredTime" },
          ...metricValues,
        },
      },
      ResultPath: null,
      Retry: [quickRetry],
      Catch: [toFailurePath],
      Next: n.announce,
    },
    [n.announce]: {
      Type: "Task",
      Comment: "Tell subscribers the input is processed",
      Resource: integrationArn(p, "events:putEvents"),
      Parameters: putEvent(input, DETAIL_TYPES.processed, {
        ...objectDetail,
        outputBucket: input.processedBucket,
        "outputPrefix.$": "$.object.outputPrefix",
        lakeBucket: input.lakeBucket,
        "lakeKey.$": "$.object.lakeKey",
        "metrics.$": "$.result.metrics",
      }),
      ResultPath: null,
      Retry: [quickRetry],
      Catch: [toFailurePath],
      End: true,
    },
    [n.recordFailure]: {
      Type: "Task",
      Comment: "Record the failure of this input",
      Resource: integrationArn(p, "dynamodb:updateItem"),
      Parameters: {
        TableName: input.tableName,
        Key: { [RESULTS_TABLE_KEY]: { "S.$": "$.object.key" } },
        UpdateExpression:
          "SET #status = :status, etag = :etag, executionArn = :executionArn, updatedAt = :updatedAt, errorName = :errorName, errorCause = :errorCause",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":status": { S: "FAILED" },
          ":etag": { "S.$": "$.object.etag" },
          ":executionArn": { "S.$": "$$.Execution.Id" },
          ":updatedAt": { "S.$": "$$.State.EnteredTime" },
          ":errorName": { "S.$": "$.error.Error" },
          // The whole error object: a path into an absent Cause would fail the execution uncaught.
          ":errorCause": { "S.$": "States.JsonToString($.error)" },
        },
      },
      ResultPath: null,
      Retry: [quickRetry],
      // Still announce the failure when the table cannot be written.
      Catch: [
        { ErrorEquals: ["States.ALL"], ResultPath: "$.recordError", Next: n.announceFailure },
      ],
      Next: n.announceFailure,
    },
    [n.announceFailure]: {
      Type: "Task",
      Comment: "Tell subscribers the input could not be processed",
      Resource: integrationArn(p, "events:putEvents"),
      Parameters: putEvent(input, DETAIL_TYPES.failed, {
        ...objectDetail,
        "error.$": "$.error",
        errorReportBucket: input.processedBucket,
        "errorReportKey.$": "$.object.errorReportKey",
      }),
      ResultPath: null,
      Retry: [quickRetry],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.announceError", Next: n.failed }],
      Next: n.failed,
    },
    [n.failed]: {
      Type: "Fail",
      Error: DETAIL_TYPES.failed,
      Cause: "The input could not be processed; see the execution history and the results table",
    },
  };
  return {
    Comment: `Process one object created under ${input.prefix} in the raw bucket`,
    QueryLanguage: "JSONPath",
    StartAt: n.describe,
    // Every attempt of the job plus its retry delays, and the quick steps around it.
    TimeoutSeconds: 3 * (input.jobTimeoutSeconds + 600) + 900,
    States: states,
  };
}
