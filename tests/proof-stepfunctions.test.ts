/**
 * The orchestrated stack's state machine, exactly as the program deploys it, executed by
 * aws-local-stepfunctions with local service integrations (proof/stepfunctions): the happy path
 * and every failure path end with the right output, events and results-table item.
 */
import { runProgram } from "../harness/program";
import { STATE_NAMES as N } from "../config/workflow-names";
import fc from "fast-check";
import { resultKeysFor } from "../processor/src/contract";
import { orchestrationOf, type Orchestration } from "../proof/program";
import { execute } from "../proof/stepfunctions/execute";
import { jsonataStates, type Definition } from "../harness/stepfunctions";
import { CONTEXT, METRICS, runScenario, SCENARIOS } from "../proof/stepfunctions/scenarios";
import { objectCreated } from "../proof/samples";

let o: Orchestration;

beforeAll(async () => {
  const found = orchestrationOf(await runProgram("orchestrated"));
  if (!found) throw new Error("the orchestrated stack has no state machine");
  o = found;
}, 120_000);

const callsOf = (r: Awaited<ReturnType<typeof runScenario>>, state: string) =>
  r.execution.world.calls.filter((c) => c.state === state).map((c) => c.request);

describe("the deployed state machine, executed", () => {
  test("only DescribeInput needs JSONata (the one state the interpreter cannot run)", () => {
    expect(jsonataStates(o.definition)).toEqual([N.describe]);
  });

  test.each(SCENARIOS.map((s) => [s.name, s] as const))(
    "%s: output, events and item as expected",
    async (_name, s) => {
      const r = await runScenario(o, s);
      expect(r.problems).toEqual([]);
    },
  );

  test("happy path: each service gets the right request", async () => {
    const r = await runScenario(o, SCENARIOS[0]!);
    const key = `${o.prefix}sales q1+x.csv`;
    const [job] = callsOf(r, N.runJob);
    expect(job.Job.spec.template.spec.containers[0].args).toEqual([
      "preprocess-object",
      "--bucket",
      o.rawBucket,
      "--key",
      key,
      "--prefix",
      o.prefix,
    ]);
    expect(job.Job.metadata.name).toMatch(/^batch-object-[0-9a-f-]{36}$/);
    expect(job.Job.metadata.annotations["event-pipeline/execution-arn"]).toBe(CONTEXT.Execution.Id);
    expect(callsOf(r, N.copy)).toEqual([
      {
        Bucket: o.lakeBucket,
        Key: `raw/${key}`,
        CopySource: `${o.rawBucket}/batch%2Fsales%20q1%2Bx.csv?versionId=IYV3p45BT0ac8hjHg1houSdS1a.Mpexe`,
        TaggingDirective: "REPLACE",
      },
    ]);
    expect(callsOf(r, N.readMetrics)).toEqual([
      { Bucket: o.processedBucket, Key: resultKeysFor(key, o.prefix).metricsKey },
    ]);
    expect(callsOf(r, N.store)[0].TableName).toBe(o.tableName);
  });

  test("failure path: the whole error is recorded as the cause", async () => {
    const r = await runScenario(
      o,
      SCENARIOS.find((s) => s.faults.lakeCopyDenied)!,
    );
    const [record] = callsOf(r, N.recordFailure);
    const error = { Error: "S3.S3Exception", Cause: "Access Denied (403)" };
    expect(record.ExpressionAttributeValues[":errorCause"]).toEqual({ S: JSON.stringify(error) });
    expect(r.execution.world.events[0].Detail.error).toEqual(error);
  });

  /** Runs the happy path for one key; the job places its results with resultKeysFor. */
  const runKey = (key: string) => {
    const event = objectCreated(o.rawBucket, key);
    return execute({
      definition: o.definition,
      event,
      metrics: METRICS,
      objects: [[o.rawBucket, key, "x", event.detail.object["version-id"]]],
      context: CONTEXT,
    });
  };

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
    const e = await runKey(key);
    const expected = resultKeysFor(key, "batch/");
    // The execution only succeeds if it reads the metrics where the job wrote them.
    expect(e.status).toBe("SUCCEEDED");
    expect(e.output.object.outputPrefix).toBe(expected.resultsPrefix);
    expect(e.output.object.metricsKey).toBe(expected.metricsKey);
    expect(e.output.object.errorReportKey).toBe(expected.errorReportKey);
    expect(e.world.get(o.lakeBucket, `raw/${key}`)?.body).toBe("x");
  });

  test("the workflow and the processor's resultKeysFor agree on arbitrary keys", async () => {
    const name = fc
      .array(fc.oneof(fc.constantFrom(".csv", ".gz", ".CSV", "/", "batch/", "'"), fc.string()), {
        maxLength: 5,
      })
      .map((parts) => `batch/${parts.join("")}`);
    await fc.assert(
      fc.asyncProperty(name, async (key) => {
        const e = await runKey(key);
        const expected = resultKeysFor(key, "batch/");
        return (
          e.status === "SUCCEEDED" &&
          e.output.object.outputPrefix === expected.resultsPrefix &&
          e.output.object.metricsKey === expected.metricsKey &&
          e.output.object.errorReportKey === expected.errorReportKey &&
          e.world.get(o.lakeBucket, `raw/${key}`)?.body === "x"
        );
      }),
      { numRuns: 300 },
    );
  });

  test("a definition that reads metrics from the wrong key fails the happy path's checks", async () => {
    const wrong = JSON.parse(JSON.stringify(o.definition)) as Definition;
    wrong.States[N.readMetrics].Parameters["Key.$"] = "$.object.lakeKey";
    const r = await runScenario({ ...o, definition: wrong }, SCENARIOS[0]!);
    expect(r.execution.status).toBe("FAILED");
    expect(r.problems).toContainEqual(expect.stringMatching(/^status: got "FAILED"/));
  });

  test("a path that does not resolve fails the execution (States.Runtime, not caught)", async () => {
    const broken = JSON.parse(JSON.stringify(o.definition)) as Definition;
    broken.States[N.store].Parameters.Key.objectKey["S.$"] = "$.object.nope";
    const event = objectCreated(o.rawBucket, "batch/a.csv");
    const e = await execute({
      definition: broken,
      event,
      metrics: METRICS,
      objects: [[o.rawBucket, "batch/a.csv", "x", event.detail.object["version-id"]]],
      context: CONTEXT,
    });
    expect(e.status).toBe("FAILED");
    expect(e.entered).not.toContain(N.announce);
  });
});
