/**
 * The executions the proof runs against the deployed definition, each with what must come out:
 * the execution's status and output, the events it puts on the bus, the item it writes.
 */
import { isDeepStrictEqual } from "node:util";
import { MOCK_ACCOUNT } from "../../harness/mocks";
import { DETAIL_TYPES, STATE_NAMES as N } from "../../config/workflow-names";
import { resultKeysFor } from "../../processor/src/contract";
import type { Orchestration } from "../program";
import { objectCreated } from "../samples";
import { execute, type Execution } from "./execute";
import type { Faults } from "./world";

/* eslint-disable @typescript-eslint/no-explicit-any -- execution data is JSON */

/** The quality metrics the processing job writes in every scenario. */
export const METRICS = {
  total_rows: 3,
  total_columns: 12,
  missing_values_count: 2,
  duplicate_rows: 0,
};

/** The context object (the interpreter fills `$$.Execution.Input/StartTime`, not `$$.State`). */
export const CONTEXT = {
  Execution: { Id: `arn:aws:states:eu-west-1:${MOCK_ACCOUNT}:execution:batch:e1`, Name: "e1" },
  State: { EnteredTime: "2026-11-23T10:00:01Z", Name: "state" },
};

/** One scenario: what it breaks and what must hold afterwards (a list of problems; empty = ok). */
export interface Scenario {
  readonly name: string;
  readonly key: string;
  readonly faults: Faults;
  /** Whether the raw object exists when the execution starts. */
  readonly objectExists: boolean;
  /**
   * The error the failure path must record and announce (absent: the happy path); several when
   * both Parallel branches fail and either may fail first.
   */
  readonly expectedError?: string | readonly string[];
}

/** The five executions of the issue plus a rejected file. */
export const SCENARIOS: readonly Scenario[] = [
  { name: "happy path", key: "sales q1+x.csv", faults: {}, objectExists: true },
  {
    name: "processor job fails",
    key: "a.csv",
    faults: { jobFails: true },
    objectExists: true,
    expectedError: "States.TaskFailed",
  },
  {
    name: "missing object",
    key: "gone.csv",
    faults: {},
    objectExists: false,
    // The job finds no object and the copy gets NoSuchKey: the Parallel state fails with the
    // error of whichever branch fails first.
    expectedError: ["States.TaskFailed", "S3.NoSuchKeyException"],
  },
  {
    name: "file rejected (no metrics)",
    key: "bad.csv",
    faults: { fileRejected: true },
    objectExists: true,
    expectedError: "S3.NoSuchKeyException",
  },
  {
    name: "lake copy fails",
    key: "a.csv",
    faults: { lakeCopyDenied: true },
    objectExists: true,
    expectedError: "S3.S3Exception",
  },
  {
    name: "DynamoDB fails",
    key: "a.csv",
    faults: { dynamoDbFails: true },
    objectExists: true,
    expectedError: "DynamoDB.AmazonDynamoDBException",
  },
];

/** The result of one scenario. */
export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly execution: Execution;
  readonly problems: string[];
}

/** Runs one scenario against the deployed definition and checks it. */
export async function runScenario(o: Orchestration, s: Scenario): Promise<ScenarioResult> {
  const key = `${o.prefix}${s.key}`;
  const event = objectCreated(o.rawBucket, key);
  const version = event.detail.object["version-id"] as string;
  const execution = await execute({
    definition: o.definition,
    event,
    faults: s.faults,
    metrics: METRICS,
    objects: s.objectExists ? [[o.rawBucket, key, "id,name\n1,a\n", version]] : [],
    context: CONTEXT,
  });
  return { scenario: s, execution, problems: check(o, s, key, event, execution) };
}

function check(o: Orchestration, s: Scenario, key: string, event: any, e: Execution): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (!isDeepStrictEqual(actual, expected)) {
      problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
  };
  const { resultsPrefix: outputPrefix, errorReportKey } = resultKeysFor(key, o.prefix);
  const base = {
    bucket: o.rawBucket,
    key,
    etag: event.detail.object.etag,
    executionArn: CONTEXT.Execution.Id,
  };
  const item = [...e.world.table.values()];
  const lakeKey = `raw/${key}`;
  if (!s.expectedError) {
    expect("status", e.status, "SUCCEEDED");
    expect("output.result.metrics", e.output?.result?.metrics, { ...METRICS, source_key: key });
    expect("output.object.outputPrefix", e.output?.object?.outputPrefix, outputPrefix);
    expect("events", e.world.events, [
      {
        EventBusName: o.eventBusName,
        Source: "event-pipeline.orchestration",
        DetailType: DETAIL_TYPES.processed,
        Detail: {
          ...base,
          outputBucket: o.processedBucket,
          outputPrefix,
          lakeBucket: o.lakeBucket,
          lakeKey,
          metrics: { ...METRICS, source_key: key },
        },
      },
    ]);
    expect("lake copy", e.world.get(o.lakeBucket, lakeKey)?.body, "id,name\n1,a\n");
    expect("item", item, [
      {
        objectKey: { S: key },
        status: { S: "SUCCEEDED" },
        etag: { S: base.etag },
        outputBucket: { S: o.processedBucket },
        outputPrefix: { S: outputPrefix },
        lakeKey: { S: lakeKey },
        executionArn: { S: CONTEXT.Execution.Id },
        updatedAt: { S: CONTEXT.State.EnteredTime },
        totalRows: { N: "3" },
        totalColumns: { N: "12" },
        missingValues: { N: "2" },
        duplicateRows: { N: "0" },
      },
    ]);
    return problems;
  }
  expect("status", e.status, "FAILED");
  expect("execution error", e.error?.Error, DETAIL_TYPES.failed);
  const allowed = [s.expectedError].flat();
  const announced = e.world.events[0]?.Detail?.error?.Error as string | undefined;
  const error = announced !== undefined && allowed.includes(announced) ? announced : allowed[0];
  expect(
    "events",
    e.world.events.map((x) => [
      x.DetailType,
      x.Detail.key,
      x.Detail.error?.Error,
      x.Detail.errorReportKey,
    ]),
    [[DETAIL_TYPES.failed, key, error, errorReportKey]],
  );
  if (s.faults.dynamoDbFails) {
    expect("item", item, []);
  } else {
    const recorded = item[0] ?? {};
    expect("item status", recorded.status, { S: "FAILED" });
    expect("item errorName", recorded.errorName, { S: error });
    expect("item executionArn", recorded.executionArn, { S: CONTEXT.Execution.Id });
  }
  // A file the processor rejected is not retried; a failing job is retried twice (jobRetry).
  if (s.faults.fileRejected) expect(`${N.readMetrics} retries`, e.retries[N.readMetrics] ?? 0, 0);
  if (s.faults.jobFails) expect(`${N.runJob} retries`, e.retries[N.runJob] ?? 0, 2);
  return problems;
}

/** Runs every scenario. */
export function runScenarios(o: Orchestration): Promise<ScenarioResult[]> {
  return Promise.all(SCENARIOS.map((s) => runScenario(o, s)));
}
