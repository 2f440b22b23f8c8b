/* eslint-disable @typescript-eslint/no-explicit-any -- payload templates are read field by field */
import aslValidator from "asl-validator";
import jsonata from "jsonata";
import {
  allStates,
  type ParallelState,
  type State,
  type StateMachineDefinition,
  type TaskState,
} from "../infra/orchestration/asl";
import { buildDefinition, type DefinitionInput } from "../infra/orchestration/definition";
import {
  DETAIL_TYPES,
  EVENT_SOURCE,
  METRIC_ATTRIBUTES,
  STATE_NAMES as N,
} from "../config/workflow-names";
import { buildJobManifest } from "../k8s/specs/batch-job";

const job = buildJobManifest({
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor@sha256:" + "a".repeat(64),
  namespace: "pipeline",
  prefix: "batch/",
  outputBucket: "processed-bucket",
  region: "eu-west-1",
  activeDeadlineSeconds: 1800,
});

const base: Omit<DefinitionInput, "engine"> = {
  partition: "aws",
  prefix: "batch/",
  processedBucket: "processed-bucket",
  lakeBucket: "lake-bucket",
  tableName: "results",
  eventBusName: "pipeline-bus",
  jobTimeoutSeconds: 1800,
};
const eksEngine: DefinitionInput["engine"] = {
  kind: "eks",
  clusterName: "cluster",
  endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
  certificateAuthority: "LS0tLS1CRUdJTg==",
  namespace: "pipeline",
  job,
};
const eks = buildDefinition({ ...base, engine: eksEngine });
const emr = buildDefinition({
  ...base,
  engine: {
    kind: "emr",
    virtualClusterId: "abcdefghijklmnopqrstuvwxy",
    executionRoleArn: "arn:aws:iam::123456789012:role/emr-job",
    releaseLabel: "emr-7.9.0-latest",
    entryPoint: "s3://lake-bucket/artifacts/preprocess_object.py",
    sparkSubmitParameters: "--conf spark.executor.instances=1",
  },
});

function state<T extends State>(def: StateMachineDefinition, name: string): T {
  const found = allStates(def).find(([n]) => n === name);
  if (!found) throw new Error(`no state ${name}`);
  return found[1] as T;
}
const task = (def: StateMachineDefinition, name: string) => state<TaskState>(def, name);

/** A sample S3 "Object Created" event as EventBridge delivers it. */
const s3Event = (key: string, versionId?: string) => ({
  version: "0",
  id: "17793124-05d4-b198-2fde-7ededc63b103",
  "detail-type": "Object Created",
  source: "aws.s3",
  account: "123456789012",
  time: "2026-11-23T10:00:00Z",
  region: "eu-west-1",
  resources: ["arn:aws:s3:::raw-bucket"],
  detail: {
    version: "0",
    bucket: { name: "raw-bucket" },
    object: {
      key,
      size: 1234,
      etag: "b1946ac92492d2347c6235b4d2611184",
      ...(versionId ? { "version-id": versionId } : {}),
      sequencer: "617f08299329d189",
    },
    reason: "PutObject",
  },
});

/** Evaluates a JSONata Pass state's Output the way Step Functions does (`{% … %}` per value). */
async function evaluateOutput(template: unknown, input: unknown): Promise<unknown> {
  if (typeof template === "string") {
    const m = /^\{%(.*)%\}$/s.exec(template);
    return m ? jsonata(m[1]!).evaluate({}, { states: { input } }) : template;
  }
  if (Array.isArray(template)) return Promise.all(template.map((t) => evaluateOutput(t, input)));
  if (template && typeof template === "object") {
    const entries = await Promise.all(
      Object.entries(template).map(async ([k, v]) => [k, await evaluateOutput(v, input)] as const),
    );
    return Object.fromEntries(entries);
  }
  return template;
}

describe("the orchestrated state machine definition", () => {
  test.each([
    ["eks", eks],
    ["emr", emr],
  ])("is valid Amazon States Language (asl-validator, %s engine)", (_engine, def) => {
    // Round-trip through JSON: what Step Functions receives is the serialised document.
    const result = aslValidator(JSON.parse(JSON.stringify(def)), {
      checkPaths: true,
      checkArn: true,
    });
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  test("asl-validator rejects a broken definition (the check can fail)", () => {
    const broken = JSON.parse(JSON.stringify(eks));
    broken.States[N.store].Next = "NoSuchState";
    expect(aslValidator(broken).isValid).toBe(false);
  });

  test("the main path is describe → parallel(job, lake copy) → metrics → table → announce", () => {
    expect(eks.StartAt).toBe(N.describe);
    expect(state(eks, N.describe)).toMatchObject({ Type: "Pass", Next: N.process });
    const parallel = state<ParallelState>(eks, N.process);
    expect(parallel.Type).toBe("Parallel");
    expect(parallel.Branches.map((b) => b.StartAt)).toEqual([N.runJob, N.copy]);
    expect(parallel.Next).toBe(N.readMetrics);
    expect(task(eks, N.readMetrics).Next).toBe(N.store);
    expect(task(eks, N.store).Next).toBe(N.announce);
    expect(task(eks, N.announce).End).toBe(true);
  });

  test("each task uses the intended service integration", () => {
    const resources = Object.fromEntries(
      allStates(eks)
        .filter(([, s]) => s.Type === "Task")
        .map(([n, s]) => [n, (s as TaskState).Resource]),
    );
    expect(resources).toEqual({
      [N.runJob]: "arn:aws:states:::eks:runJob.sync",
      [N.copy]: "arn:aws:states:::aws-sdk:s3:copyObject",
      [N.readMetrics]: "arn:aws:states:::aws-sdk:s3:getObject",
      [N.store]: "arn:aws:states:::dynamodb:updateItem",
      [N.announce]: "arn:aws:states:::events:putEvents",
      [N.recordFailure]: "arn:aws:states:::dynamodb:updateItem",
      [N.announceFailure]: "arn:aws:states:::events:putEvents",
    });
    expect(task(emr, N.runJob).Resource).toBe("arn:aws:states:::emr-containers:startJobRun.sync");
  });

  test("the partition reaches every integration ARN", () => {
    const cn = buildDefinition({ ...base, partition: "aws-cn", engine: eksEngine });
    for (const [, s] of allStates(cn)) {
      if (s.Type === "Task") expect(s.Resource).toMatch(/^arn:aws-cn:states:::/);
    }
  });

  test("the EKS task runs the Job in the workload namespace of the given cluster", () => {
    const p = task(eks, N.runJob).Parameters as Record<string, any>;
    expect(p).toMatchObject({
      ClusterName: "cluster",
      Endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
      CertificateAuthority: "LS0tLS1CRUdJTg==",
      Namespace: "pipeline",
      LogOptions: { RetrieveLogs: false },
    });
    expect(p.Job).toBe(job);
    expect(task(eks, N.runJob).TimeoutSeconds).toBeGreaterThan(1800);
  });

  test("the EMR task passes the execution role and the object to the Spark entry point", () => {
    const p = task(emr, N.runJob).Parameters as Record<string, any>;
    expect(p.ExecutionRoleArn).toBe("arn:aws:iam::123456789012:role/emr-job");
    expect(p.VirtualClusterId).toBe("abcdefghijklmnopqrstuvwxy");
    expect(p.JobDriver.SparkSubmitJobDriver.EntryPoint).toMatch(/^s3:\/\/lake-bucket\//);
    expect(p.JobDriver.SparkSubmitJobDriver["EntryPointArguments.$"]).toMatch(
      /^States\.Array\('--bucket', \$\.object\.bucket, '--key', \$\.object\.key, '--output-bucket', 'processed-bucket', '--output-prefix', \$\.object\.outputPrefix/,
    );
  });

  test("task results never overwrite the execution state except the metrics at $.result", () => {
    for (const [name, s] of allStates(eks)) {
      if (s.Type !== "Task" && s.Type !== "Parallel") continue;
      if (name === N.readMetrics) expect(s.ResultPath).toBe("$.result");
      else expect(s.ResultPath).toBeNull();
    }
    expect(task(eks, N.readMetrics).ResultSelector).toEqual({
      "metrics.$": "States.StringToJson($.Body)",
    });
  });

  test("every task retries transient failures a bounded number of times", () => {
    for (const [name, s] of allStates(eks)) {
      if (s.Type !== "Task") continue;
      const retriers = s.Retry ?? [];
      expect({
        name,
        retries: retriers.some((r) => r.ErrorEquals.includes("States.TaskFailed")),
      }).toEqual({ name, retries: true });
      for (const r of retriers) expect(r.MaxAttempts ?? 3).toBeLessThanOrEqual(3);
    }
    // A missing metrics object means the processor rejected the file: no retry.
    expect(task(eks, N.readMetrics).Retry?.[0]).toEqual({
      ErrorEquals: ["S3.NoSuchKeyException"],
      MaxAttempts: 0,
    });
    // The job is not retried on timeout: the same input would time out again.
    expect(task(eks, N.runJob).Retry?.flatMap((r) => r.ErrorEquals)).not.toContain(
      "States.Timeout",
    );
  });

  test("every failure of the main path is caught into the failure path with the error at $.error", () => {
    for (const name of [N.process, N.readMetrics, N.store, N.announce]) {
      const s = state<TaskState | ParallelState>(eks, name);
      expect(s.Catch).toEqual([
        { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: N.recordFailure },
      ]);
    }
    expect(task(eks, N.recordFailure).Next).toBe(N.announceFailure);
    expect(task(eks, N.recordFailure).Catch?.[0]?.Next).toBe(N.announceFailure);
    expect(task(eks, N.announceFailure).Next).toBe(N.failed);
    expect(state(eks, N.failed)).toMatchObject({ Type: "Fail", Error: DETAIL_TYPES.failed });
  });

  test("success puts InputDataProcessed and failure puts InputDataProcessingFailed on the custom bus", () => {
    const entry = (name: string) =>
      ((task(eks, name).Parameters as Record<string, any>).Entries as Record<string, any>[])[0]!;
    expect(entry(N.announce)).toMatchObject({
      EventBusName: "pipeline-bus",
      Source: EVENT_SOURCE,
      DetailType: "InputDataProcessed",
      Detail: { "key.$": "$.object.key", "metrics.$": "$.result.metrics" },
    });
    expect(entry(N.announceFailure)).toMatchObject({
      EventBusName: "pipeline-bus",
      Source: EVENT_SOURCE,
      DetailType: "InputDataProcessingFailed",
      Detail: { "error.$": "$.error", "errorReportKey.$": "$.object.errorReportKey" },
    });
  });

  test("the results table is updated per object key with status, metrics and the execution", () => {
    const p = task(eks, N.store).Parameters as Record<string, any>;
    expect(p.TableName).toBe("results");
    expect(p.Key).toEqual({ objectKey: { "S.$": "$.object.key" } });
    for (const [attr, field] of Object.entries(METRIC_ATTRIBUTES)) {
      expect(p.UpdateExpression).toContain(`${attr} = :${attr}`);
      expect(p.ExpressionAttributeValues[`:${attr}`]).toEqual({
        "N.$": `States.Format('{}', $.result.metrics.${field})`,
      });
    }
    expect(p.ExpressionAttributeValues[":status"]).toEqual({ S: "SUCCEEDED" });
    const f = task(eks, N.recordFailure).Parameters as Record<string, any>;
    expect(f.ExpressionAttributeValues[":status"]).toEqual({ S: "FAILED" });
    // Every placeholder used in an expression is defined, and every definition is used.
    for (const params of [p, f]) {
      const used = new Set(params.UpdateExpression.match(/:[A-Za-z]+/g));
      expect(used).toEqual(new Set(Object.keys(params.ExpressionAttributeValues)));
    }
  });

  test("DescribeInput derives the output, metrics, error-report and lake keys from the event", async () => {
    const out = (await evaluateOutput(
      (state(eks, N.describe) as { Output: unknown }).Output,
      s3Event("batch/2026/sales q1.csv", "3HL4kqtJvjVBH40Nrjfkd"),
    )) as Record<string, any>;
    expect(out).toEqual({
      object: {
        bucket: "raw-bucket",
        key: "batch/2026/sales q1.csv",
        etag: "b1946ac92492d2347c6235b4d2611184",
        size: 1234,
        outputPrefix: "output-batch/2026/sales q1/",
        metricsKey: "output-batch/2026/sales q1/quality_metrics.json",
        errorReportKey: "errors/batch/2026/sales q1.csv.json",
        lakeKey: "raw/batch/2026/sales q1.csv",
        copySource: "raw-bucket/batch%2F2026%2Fsales%20q1.csv?versionId=3HL4kqtJvjVBH40Nrjfkd",
      },
      eventId: "17793124-05d4-b198-2fde-7ededc63b103",
      eventTime: "2026-11-23T10:00:00Z",
    });
  });

  test("DescribeInput copies the current object when the bucket is not versioned", async () => {
    const out = (await evaluateOutput(
      (state(eks, N.describe) as { Output: unknown }).Output,
      s3Event("batch/a.csv"),
    )) as Record<string, any>;
    expect(out.object.copySource).toBe("raw-bucket/batch%2Fa.csv");
    expect(out.object.outputPrefix).toBe("output-batch/a/");
  });

  test("the execution has a hard timeout that covers every job attempt", () => {
    expect(eks.TimeoutSeconds).toBeGreaterThanOrEqual(3 * (1800 + 600));
  });

  test("invalid inputs are rejected with a message naming the value", () => {
    expect(() => buildDefinition({ ...base, jobTimeoutSeconds: 10, engine: eksEngine })).toThrow(
      /jobTimeoutSeconds .* got 10/,
    );
    expect(() => buildDefinition({ ...base, prefix: "../", engine: eksEngine })).toThrow(
      /invalid prefix/,
    );
  });
});
