/* eslint-disable @typescript-eslint/no-explicit-any -- execution data is untyped JSON */
/**
 * Runs the state machine's data flow the way Step Functions would, for the happy path and the
 * failure path: JSONata in DescribeInput, then JSONPath payload templates (paths, context object,
 * the intrinsics the definition uses), ResultSelector and ResultPath with stand-in task results.
 * A path that does not resolve (a typo, a renamed field) fails here, not in the first execution.
 */
import jsonata from "jsonata";
import { allStates, type Branch, type State, type TaskState } from "../infra/orchestration/asl";
import { buildDefinition, DETAIL_TYPES, STATE_NAMES as N } from "../infra/orchestration/definition";
import { buildJobManifest } from "../k8s/specs/batch-job";
import fc from "fast-check";
import { resultKeysFor } from "../processor/src/contract";

const definition = buildDefinition({
  partition: "aws",
  prefix: "batch/",
  processedBucket: "processed-bucket",
  lakeBucket: "lake-bucket",
  tableName: "results",
  eventBusName: "pipeline-bus",
  jobTimeoutSeconds: 1800,
  engine: {
    kind: "eks",
    clusterName: "cluster",
    endpoint: "https://example.eks.amazonaws.com",
    certificateAuthority: "Y2E=",
    namespace: "pipeline",
    job: buildJobManifest({
      image: `r/processor@sha256:${"c".repeat(64)}`,
      namespace: "pipeline",
      prefix: "batch/",
      outputBucket: "processed-bucket",
      region: "eu-west-1",
      activeDeadlineSeconds: 1800,
    }),
  },
});
const states = Object.fromEntries(allStates(definition)) as Record<string, State>;

const context = {
  Execution: { Id: "arn:aws:states:eu-west-1:123456789012:execution:batch:e1", Name: "e1" },
  State: { EnteredTime: "2026-11-23T10:00:01Z", Name: "x" },
};

/** `$.a.b` against the state input, `$$.a.b` against the context object; absent → throws. */
function path(expr: string, input: unknown): unknown {
  const [root, rest] = expr.startsWith("$$") ? [context, expr.slice(2)] : [input, expr.slice(1)];
  let value: any = root;
  for (const part of rest.split(".").filter(Boolean)) {
    if (value === null || typeof value !== "object" || !(part in value)) {
      throw new Error(`path ${expr} does not resolve (no "${part}")`);
    }
    value = value[part];
  }
  return value;
}

/** Evaluates a JSONPath value: a path or an intrinsic call (nested calls and quoted strings). */
function evaluate(expr: string, input: unknown): unknown {
  let i = 0;
  const ws = () => {
    while (expr[i] === " ") i++;
  };
  const value = (): unknown => {
    ws();
    if (expr[i] === "'") {
      const end = expr.indexOf("'", i + 1);
      const s = expr.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^[A-Za-z0-9_$.]+/.exec(expr.slice(i));
    if (!m) throw new Error(`cannot parse ${expr} at ${i}`);
    const token = m[0];
    i += token.length;
    if (token.startsWith("$")) return path(token, input);
    if (expr[i] !== "(") throw new Error(`unexpected ${token} in ${expr}`);
    i++;
    const args: unknown[] = [];
    ws();
    while (expr[i] !== ")") {
      args.push(value());
      ws();
      if (expr[i] === ",") i++;
      ws();
    }
    i++;
    return intrinsic(token, args);
  };
  const result = value();
  if (i !== expr.length) throw new Error(`trailing text in ${expr}`);
  return result;
}

function intrinsic(name: string, args: unknown[]): unknown {
  switch (name) {
    case "States.Format": {
      const [template, ...rest] = args as [string, ...unknown[]];
      let k = 0;
      return template.replace(/\{\}/g, () => String(rest[k++]));
    }
    case "States.Array":
      return args;
    case "States.StringToJson":
      return JSON.parse(args[0] as string);
    case "States.JsonToString":
      return JSON.stringify(args[0]);
    case "States.UUID":
      return "0f8fad5b-d9cb-469f-a165-70867728950e";
    default:
      throw new Error(`intrinsic ${name} is not simulated`);
  }
}

/** A payload template resolved against the state input. */
function resolve(template: unknown, input: unknown): unknown {
  if (Array.isArray(template)) return template.map((t) => resolve(t, input));
  if (template && typeof template === "object") {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) =>
        k.endsWith(".$") ? [k.slice(0, -2), evaluate(v as string, input)] : [k, resolve(v, input)],
      ),
    );
  }
  return template;
}

/** ResultPath semantics: null keeps the input, `$.x` sets x on a copy of the input. */
function applyResultPath(input: any, resultPath: string | null | undefined, result: unknown) {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === "$") return result;
  const key = resultPath.replace(/^\$\./, "");
  return { ...input, [key]: result };
}

const calls: { state: string; resource: string; parameters: any }[] = [];

/** Runs one task: records its resolved Parameters, returns its output. */
function runTask(name: string, s: TaskState, input: unknown, result: unknown): unknown {
  calls.push({ state: name, resource: s.Resource, parameters: resolve(s.Parameters ?? {}, input) });
  const selected = s.ResultSelector ? resolve(s.ResultSelector, result) : result;
  return applyResultPath(input, s.ResultPath, selected);
}

const metrics = { total_rows: 3, total_columns: 12, missing_values_count: 2, duplicate_rows: 0 };
const results: Record<string, unknown> = {
  [N.runJob]: { status: { succeeded: 1 } },
  [N.copy]: { CopyObjectResult: { ETag: "x" } },
  [N.readMetrics]: { Body: JSON.stringify({ ...metrics, source_key: "batch/a b.csv" }) },
  [N.store]: {},
  [N.announce]: { Entries: [{ EventId: "1" }] },
  [N.recordFailure]: {},
  [N.announceFailure]: { Entries: [{ EventId: "2" }] },
};

const event = {
  id: "ev-1",
  time: "2026-11-23T10:00:00Z",
  "detail-type": "Object Created",
  source: "aws.s3",
  detail: {
    bucket: { name: "raw-bucket" },
    object: { key: "batch/a b.csv", size: 10, etag: "e", "version-id": "v1" },
  },
};

async function describeInput(input: unknown): Promise<any> {
  const out: Record<string, unknown> = {};
  const evalTemplate = async (t: unknown): Promise<unknown> => {
    if (typeof t === "string") {
      const m = /^\{%(.*)%\}$/s.exec(t);
      return m ? jsonata(m[1]!).evaluate({}, { states: { input } }) : t;
    }
    if (t && typeof t === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(t)) o[k] = await evalTemplate(v);
      return o;
    }
    return t;
  };
  Object.assign(out, await evalTemplate((states[N.describe] as { Output: unknown }).Output));
  return out;
}

function branchOutput(branch: Branch, input: unknown): unknown {
  let name = branch.StartAt;
  let data = input;
  for (;;) {
    const s = branch.States[name] as TaskState;
    data = runTask(name, s, data, results[name]);
    if (s.End) return data;
    name = s.Next as string;
  }
}

describe("the state machine's data flow", () => {
  beforeEach(() => calls.splice(0));

  test("happy path: every path resolves and each service gets the right request", async () => {
    let data = await describeInput(event);
    const parallel = states[N.process] as Extract<State, { Type: "Parallel" }>;
    parallel.Branches.forEach((b) => branchOutput(b, data));
    data = applyResultPath(data, parallel.ResultPath, []);
    for (const name of [N.readMetrics, N.store, N.announce]) {
      data = runTask(name, states[name] as TaskState, data, results[name]);
    }
    const byState = Object.fromEntries(calls.map((c) => [c.state, c.parameters]));
    expect(byState[N.runJob].Job.spec.template.spec.containers[0].args).toEqual([
      "preprocess-object",
      "--bucket",
      "raw-bucket",
      "--key",
      "batch/a b.csv",
      "--prefix",
      "batch/",
    ]);
    expect(byState[N.runJob].Job.metadata.name).toMatch(/^batch-object-[0-9a-f-]{36}$/);
    expect(byState[N.copy]).toEqual({
      Bucket: "lake-bucket",
      Key: "raw/batch/a b.csv",
      CopySource: "raw-bucket/batch%2Fa%20b.csv?versionId=v1",
      TaggingDirective: "REPLACE",
    });
    expect(byState[N.readMetrics]).toEqual({
      Bucket: "processed-bucket",
      Key: "output-batch/a b/quality_metrics.json",
    });
    expect(byState[N.store].Key).toEqual({ objectKey: { S: "batch/a b.csv" } });
    expect(byState[N.store].ExpressionAttributeValues).toMatchObject({
      ":status": { S: "SUCCEEDED" },
      ":totalRows": { N: "3" },
      ":totalColumns": { N: "12" },
      ":missingValues": { N: "2" },
      ":duplicateRows": { N: "0" },
      ":outputPrefix": { S: "output-batch/a b/" },
      ":executionArn": { S: context.Execution.Id },
    });
    expect(byState[N.announce].Entries[0]).toEqual({
      EventBusName: "pipeline-bus",
      Source: "event-pipeline.orchestration",
      DetailType: DETAIL_TYPES.processed,
      Detail: {
        bucket: "raw-bucket",
        key: "batch/a b.csv",
        etag: "e",
        executionArn: context.Execution.Id,
        outputBucket: "processed-bucket",
        outputPrefix: "output-batch/a b/",
        lakeBucket: "lake-bucket",
        lakeKey: "raw/batch/a b.csv",
        metrics: { ...metrics, source_key: "batch/a b.csv" },
      },
    });
  });

  test("failure path: the error is recorded and announced, whatever the error carries", async () => {
    for (const error of [
      { Error: "States.TaskFailed", Cause: "job failed" },
      { Error: "States.Timeout" },
    ]) {
      calls.splice(0);
      let data = applyResultPath(await describeInput(event), "$.error", error);
      data = runTask(N.recordFailure, states[N.recordFailure] as TaskState, data, {});
      runTask(N.announceFailure, states[N.announceFailure] as TaskState, data, {});
      const [record, announce] = calls.map((c) => c.parameters);
      expect(record.ExpressionAttributeValues).toMatchObject({
        ":status": { S: "FAILED" },
        ":errorName": { S: error.Error },
        ":errorCause": { S: JSON.stringify(error) },
      });
      expect(announce.Entries[0]).toMatchObject({
        DetailType: DETAIL_TYPES.failed,
        Detail: {
          key: "batch/a b.csv",
          error,
          errorReportBucket: "processed-bucket",
          errorReportKey: "errors/batch/a b.csv.json",
        },
      });
    }
  });

  test.each([
    "batch/a.csv",
    "batch/A.CSV",
    "batch/dir/sales q1+x.csv",
    "batch/no-extension",
    "batch/a.csv.csv",
    "batch/a.csv.gz",
    "batch/.csv",
    "batch/input/a.csv",
    "batch/ünïcode.csv",
  ])("reads metrics exactly where processor preprocess-object writes them (%s)", async (key) => {
    const out = await describeInput({ ...event, detail: { ...event.detail, object: { key } } });
    const expected = resultKeysFor(key, "batch/");
    expect(out.object.outputPrefix).toBe(expected.resultsPrefix);
    expect(out.object.metricsKey).toBe(expected.metricsKey);
    expect(out.object.errorReportKey).toBe(expected.errorReportKey);
  });

  test("the workflow's JSONata and the processor's resultKeysFor agree on arbitrary keys", async () => {
    const name = fc
      .array(fc.oneof(fc.constantFrom(".csv", ".gz", ".CSV", "/", "batch/", "'"), fc.string()), {
        maxLength: 5,
      })
      .map((parts) => `batch/${parts.join("")}`);
    await fc.assert(
      fc.asyncProperty(name, async (key) => {
        const out = await describeInput({ ...event, detail: { ...event.detail, object: { key } } });
        const expected = resultKeysFor(key, "batch/");
        return (
          out.object.outputPrefix === expected.resultsPrefix &&
          out.object.metricsKey === expected.metricsKey &&
          out.object.errorReportKey === expected.errorReportKey
        );
      }),
      { numRuns: 300 },
    );
  });

  test("the simulator rejects a path that does not resolve", () => {
    expect(() => evaluate("States.Format('{}', $.object.nope)", { object: {} })).toThrow(
      /does not resolve/,
    );
  });
});
