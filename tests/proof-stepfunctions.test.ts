/**
 * The orchestrated stack's state machine, exactly as the program deploys it, executed by
 * aws-local-stepfunctions with local service integrations (proof/stepfunctions): the happy path
 * and every failure path end with the right output, events and results-table item.
 */
import { runProgram } from "../harness/program";
import { STATE_NAMES as N } from "../infra/orchestration/definition";
import { outputPrefixFor, errorReportKeyFor } from "../processor/src/preprocess/s3-event";
import { orchestrationOf, type Orchestration } from "../proof/program";
import { execute, jsonataStates, type Definition } from "../proof/stepfunctions/execute";
import { CONTEXT, METRICS, runScenario, SCENARIOS } from "../proof/stepfunctions/scenarios";
import { objectCreated } from "../proof/samples";

let o: Orchestration;

beforeAll(async () => {
  const found = orchestrationOf(await runProgram("orchestrated"));
  if (!found) throw new Error("the orchestrated stack has no state machine");
  o = found;
});

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
      { Bucket: o.processedBucket, Key: "output/sales q1+x/quality_metrics.json" },
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

  test.each([
    "batch/a.csv",
    "batch/A.CSV",
    "batch/dir/sales q1+x.csv",
    "batch/no-extension",
    "batch/a.csv.csv",
    "batch/ünïcode.csv",
  ])("reads metrics exactly where processor preprocess-object writes them (%s)", async (key) => {
    const event = objectCreated(o.rawBucket, key);
    const e = await execute({
      definition: o.definition,
      event,
      metrics: METRICS,
      objects: [[o.rawBucket, key, "x", event.detail.object["version-id"]]],
      context: CONTEXT,
    });
    // The job places metrics with outputPrefixFor; the execution only succeeds if it reads them.
    expect(e.status).toBe("SUCCEEDED");
    expect(e.output.object.metricsKey).toBe(
      `${outputPrefixFor(key, "batch/")}quality_metrics.json`,
    );
    expect(e.output.object.errorReportKey).toBe(errorReportKeyFor(key));
    expect(e.world.get(o.lakeBucket, `raw/${key}`)?.body).toBe("x");
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
