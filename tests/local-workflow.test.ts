/**
 * Local mode's workflow parts without processes: the definition it runs is the one the program
 * deploys, its time scale shortens the definition's times only, the bus forwards by the rule's
 * pattern, and the accounting names every broken expectation.
 */
import type { SNSClient } from "@aws-sdk/client-sns";
import { runProgram } from "../harness/program";
import { DETAIL_TYPES, STATE_NAMES as N } from "../config/workflow-names";
import { EventBus, type BusEvent } from "../local/workflow/bus";
import { checkWorkflow, type WorkflowReadings } from "../local/workflow/accounting";
import { objectCreatedEvent } from "../local/workflow/s3-events";
import { workflowStack, type WorkflowStack } from "../local/workflow/stack";
import { timeScaledDefinition } from "../local/workflow/timing";
import { serviceError } from "../local/workflow/integrations";
import { loadStack } from "../local/stack";
import { matches } from "../harness/event-patterns";
import type { Definition } from "../harness/stepfunctions";
import { orchestrationOf } from "../proof/program";
import { resultKeysFor } from "../processor/src/contract";
import { ROOT } from "./support/local-run";

/* eslint-disable @typescript-eslint/no-explicit-any -- definitions and events are JSON */

const stack = loadStack("orchestrated", ROOT);
const local = workflowStack(stack, {
  rawBucket: stack.names.rawBucket,
  processedBucket: stack.names.processedBucket,
}) as WorkflowStack;

test("local mode runs the state machine definition the program deploys, names aside", async () => {
  const deployed = orchestrationOf(await runProgram("orchestrated"));
  if (!deployed) throw new Error("the orchestrated stack has no state machine");
  const mine = workflowStack(stack, {
    rawBucket: deployed.rawBucket,
    processedBucket: deployed.processedBucket,
  }) as WorkflowStack;
  // What differs is what only a cluster has: its endpoint, CA and the image digest; the lake's
  // name has a random suffix on AWS.
  const normalize = (d: any, lake: string) => {
    const copy = JSON.parse(JSON.stringify(d).split(lake).join("<lake>"));
    const job = copy.States[N.process].Branches[0].States[N.runJob].Parameters;
    delete job.Endpoint;
    delete job.CertificateAuthority;
    delete job.Job.spec.template.spec.containers[0].image;
    return copy;
  };
  expect(normalize(mine.definition, mine.lakeBucket)).toEqual(
    normalize(deployed.definition, deployed.lakeBucket),
  );
  expect(mine.tableName).toBe(deployed.tableName);
  expect(mine.eventBusName).toBe(deployed.eventBusName);
}, 120_000);

test("the time scale shortens every interval and timeout of the definition, and nothing else", () => {
  const d = local.definition as unknown as Definition;
  const scaled = timeScaledDefinition(d, 0.1) as any;
  const job = (x: any) => x.States[N.process].Branches[0].States[N.runJob];
  expect(job(scaled).TimeoutSeconds).toBeCloseTo(job(d).TimeoutSeconds * 0.1);
  expect(job(scaled).Retry[0].IntervalSeconds).toBeCloseTo(job(d).Retry[0].IntervalSeconds * 0.1);
  expect(job(scaled).Retry[0].MaxAttempts).toBe(job(d).Retry[0].MaxAttempts);
  expect(job(scaled).Retry[0].BackoffRate).toBe(job(d).Retry[0].BackoffRate);
  const store = (x: any) => x.States[N.store].Retry[0];
  expect(store(scaled).MaxDelaySeconds).toBeCloseTo(store(d).MaxDelaySeconds * 0.1);
  expect(scaled.TimeoutSeconds).toBeCloseTo((d.TimeoutSeconds as number) * 0.1);
  const strip = (x: any): any =>
    JSON.parse(
      JSON.stringify(x, (k, v: unknown) =>
        // IntervalSeconds may be added: ASL's default (1 s), scaled.
        ["TimeoutSeconds", "IntervalSeconds", "MaxDelaySeconds"].includes(k) ? undefined : v,
      ),
    );
  expect(strip(scaled)).toEqual(strip(d));
  expect(() => timeScaledDefinition(d, 0)).toThrow(RangeError);
});

test("the upload rule's own pattern starts executions for the prefix only", () => {
  const event = (key: string) =>
    objectCreatedEvent({ key, size: 5, eTag: "e" }, local.rawBucket, local.region, "01");
  const rule = { ...local.uploadRule.pattern };
  expect(matches(rule, { ...event("batch/a.csv") })).toBe(true);
  expect(matches(rule, { ...event("input/a.csv") })).toBe(false);
  expect(
    matches(rule, {
      ...objectCreatedEvent({ key: "batch/a.csv", size: 5, eTag: "e" }, "other", "eu-west-1", "01"),
    }),
  ).toBe(false);
});

test("the bus publishes the announcements its rule matches and nothing else", async () => {
  const published: unknown[] = [];
  const sns = { send: (c: { input: unknown }) => (published.push(c.input), Promise.resolve({})) };
  const bus = new EventBus(local, sns as unknown as SNSClient, "arn:topic");
  const entry = (Source: string, DetailType: string) => ({
    EventBusName: local.eventBusName,
    Source,
    DetailType,
    Detail: { key: "batch/a.csv" },
  });
  await bus.put([entry("event-pipeline.orchestration", DETAIL_TYPES.processed)]);
  await bus.put([entry("someone.else", DETAIL_TYPES.processed)]);
  await bus.put([entry("event-pipeline.orchestration", "Something Else")]);
  expect(bus.events).toHaveLength(3);
  expect(published).toHaveLength(1);
  const message = JSON.parse((published[0] as { Message: string }).Message) as BusEvent;
  expect(message).toMatchObject({
    source: "event-pipeline.orchestration",
    detail: { key: "batch/a.csv" },
  });
  await expect(bus.put([{ ...entry("x", "y"), EventBusName: "default" }])).rejects.toThrow(
    /unknown bus/,
  );
});

test("a service error becomes the task error Step Functions reports: <Service>.<Name>Exception", () => {
  const named = (name: string) => Object.assign(new Error("m"), { name });
  expect(serviceError("S3", named("NoSuchKey")).name).toBe("S3.NoSuchKeyException");
  expect(serviceError("DynamoDB", named("ResourceNotFoundException")).name).toBe(
    "DynamoDB.ResourceNotFoundException",
  );
  expect(serviceError("S3", named("NoSuchKey")).message).toBe("m");
});

/** A consistent reading for one good and one rejected upload under batch/. */
function readings(): WorkflowReadings {
  const good = "batch/a.csv";
  const bad = "batch/bad.csv";
  const g = resultKeysFor(good, "batch/");
  const b = resultKeysFor(bad, "batch/");
  const k = resultKeysFor("input/a.csv");
  const files = [
    "cleaned_data.csv",
    "transformed_data.csv",
    "department_statistics.csv",
    "quality_metrics.json",
  ];
  const event = (type: string, key: string, extra: Record<string, unknown> = {}): BusEvent => ({
    version: "0",
    id: key,
    "detail-type": type,
    source: "event-pipeline.orchestration",
    account: "000000000000",
    time: "2026-12-01T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: { key, ...extra },
  });
  const events = [
    event(DETAIL_TYPES.processed, good),
    event(DETAIL_TYPES.failed, bad, { errorReportKey: b.errorReportKey }),
  ];
  return {
    prefix: "batch/",
    files: [
      { key: good, rows: 3, size: 10, expectError: false },
      { key: bad, rows: 1, size: 4, expectError: true },
    ],
    kedaKeys: ["input/a.csv"],
    executions: [
      { key: good, status: "SUCCEEDED" },
      { key: bad, status: "FAILED" },
    ],
    items: {
      [good]: {
        status: { S: "SUCCEEDED" },
        totalRows: { N: "3" },
        totalColumns: { N: "8" },
        missingValues: { N: "0" },
        duplicateRows: { N: "0" },
        outputPrefix: { S: g.resultsPrefix },
      },
      [bad]: { status: { S: "FAILED" }, errorName: { S: "S3.NoSuchKeyException" } },
    },
    lake: { [`raw/${good}`]: 10, [`raw/${bad}`]: 4 },
    processedKeys: [
      ...files.map((f) => `${g.resultsPrefix}${f}`),
      ...files.map((f) => `${k.resultsPrefix}${f}`),
      b.errorReportKey,
    ],
    metricsSources: { [g.metricsKey]: good, [k.metricsKey]: "input/a.csv" },
    busEvents: events,
    notifications: events,
  };
}

test("a consistent workflow reading passes the accounting", () => {
  const a = checkWorkflow(readings());
  expect(a.problems).toEqual([]);
  expect(a.ok).toBe(true);
});

test.each<[string, (r: WorkflowReadings) => WorkflowReadings, RegExp]>([
  [
    "a missing notification",
    (r) => ({ ...r, notifications: r.notifications.slice(1) }),
    /batch\/a.csv: 0 SNS notification/,
  ],
  [
    "a duplicate notification",
    (r) => ({ ...r, notifications: [...r.notifications, r.notifications[0] as BusEvent] }),
    /batch\/a.csv: 2 SNS notification/,
  ],
  [
    "a missing lake copy",
    (r) => ({ ...r, lake: { "raw/batch/bad.csv": 4 } }),
    /batch\/a.csv: no copy of 10 bytes/,
  ],
  [
    "wrong rows in the item",
    (r) => ({
      ...r,
      items: { ...r.items, "batch/a.csv": { ...r.items["batch/a.csv"], totalRows: { N: "2" } } },
    }),
    /totalRows 2, uploaded 3/,
  ],
  [
    "a failed execution of a good file",
    (r) => ({
      ...r,
      executions: [
        { key: "batch/a.csv", status: "FAILED" },
        { key: "batch/bad.csv", status: "FAILED" },
      ],
    }),
    /batch\/a.csv: execution FAILED, expected SUCCEEDED/,
  ],
  [
    "an execution for a KEDA upload",
    (r) => ({ ...r, executions: [...r.executions, { key: "input/a.csv", status: "SUCCEEDED" }] }),
    /an execution ran for input\/a.csv/,
  ],
  [
    "the bad file without its error report",
    (r) => ({ ...r, processedKeys: r.processedKeys.filter((k) => !k.startsWith("errors/")) }),
    /batch\/bad.csv: results missing, expected error report/,
  ],
  [
    "a bad file failed for another reason",
    (r) => ({
      ...r,
      items: {
        ...r.items,
        "batch/bad.csv": { status: { S: "FAILED" }, errorName: { S: "States.TaskFailed" } },
      },
    }),
    /batch\/bad.csv: failed with States.TaskFailed/,
  ],
  [
    "an object of neither path",
    (r) => ({ ...r, processedKeys: [...r.processedKeys, "output/b/cleaned_data.csv"] }),
    /output\/b\/cleaned_data.csv belongs to no upload/,
  ],
  [
    "a batch upload's metrics under the KEDA path's keys",
    (r) => ({
      ...r,
      metricsSources: { ...r.metricsSources, "output/a/quality_metrics.json": "batch/a.csv" },
    }),
    /output\/a\/quality_metrics.json holds the metrics of batch\/a.csv/,
  ],
  [
    "a KEDA upload copied to the lake",
    (r) => ({ ...r, lake: { ...r.lake, "raw/input/a.csv": 10 } }),
    /lake: raw\/input\/a.csv is not a copy/,
  ],
])("the accounting names %s", (_name, breakIt, problem) => {
  const a = checkWorkflow(breakIt(readings()));
  expect(a.ok).toBe(false);
  expect(a.problems.join("\n")).toMatch(problem);
});
