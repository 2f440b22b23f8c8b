/**
 * How the calls of the two workloads that run no code of ours are derived: the state machine's
 * integration requests → the IAM requests Step Functions makes with its role, and KEDA's triggers
 * → `sqs:GetQueueAttributes` on each trigger's queue.
 */
import { runProgram, type ProgramRun } from "../harness/program";
import {
  kedaOperatorCalls,
  kedaTriggerQueueUrls,
  queueArnOfUrl,
  stateMachineCalls,
} from "../proof/calls/derived";
import { requestId } from "../proof/calls/iam-requests";
import {
  integrationRequests,
  recordingHandler,
  type IntegrationCall,
  type IntegrationTokens,
} from "../proof/calls/integrations";

const names: IntegrationTokens = {
  buckets: { r: "raw", p: "processed", l: "lake" },
  queues: {},
  kmsBuckets: new Set(["r", "p", "l"]),
  tables: { t: "table" },
  buses: { b: "bus" },
  clusters: { c: "cluster" },
};
const states = (integration: string) => `arn:aws:states:::${integration}`;
const ids = (call: IntegrationCall) => integrationRequests(call, names).map(requestId);

describe("the state machine's integration calls as IAM requests", () => {
  it("eks:runJob.sync describes the cluster it names (the Job itself goes through Kubernetes RBAC)", () => {
    expect(ids({ resource: states("eks:runJob.sync"), request: { ClusterName: "c" } })).toEqual([
      "eks:DescribeCluster {cluster}",
    ]);
  });

  it("a versioned CopyObject reads the version, writes the copy, and has S3 use the key both ways", () => {
    const request = {
      Bucket: "l",
      Key: "raw/batch/x y.csv",
      CopySource: "r/batch/x%20y.csv?versionId=v%2B1",
    };
    expect(ids({ resource: states("aws-sdk:s3:copyObject"), request }).sort()).toEqual(
      [
        "s3:GetObject {raw}/batch/a.csv",
        "s3:GetObjectVersion {raw}/batch/a.csv",
        "s3:PutObject {lake}/raw/a.csv",
        "kms:Decrypt {dataKey} [kms:ViaService=s3.{region}.amazonaws.com]",
        "kms:GenerateDataKey {dataKey} [kms:ViaService=s3.{region}.amazonaws.com]",
      ].sort(),
    );
    const unversioned = ids({
      resource: states("aws-sdk:s3:copyObject"),
      request: { ...request, CopySource: "r/batch/x.csv" },
    });
    expect(unversioned).not.toContain("s3:GetObjectVersion {raw}/batch/a.csv");
  });

  it("a GetObject answered NoSuchKey also needed ListBucket on the key (404, not 403)", () => {
    const request = { Bucket: "p", Key: "output-batch/x/quality_metrics.json" };
    const ok = ids({ resource: states("aws-sdk:s3:getObject"), request });
    const missing = ids({
      resource: states("aws-sdk:s3:getObject"),
      request,
      error: "S3.NoSuchKeyException",
    });
    expect(ok).not.toContainEqual(expect.stringContaining("s3:ListBucket"));
    expect(missing).toContain(
      "s3:ListBucket {processed} [s3:prefix=output-batch/a/quality_metrics.json]",
    );
  });

  it("UpdateItem acts on the table and PutEvents on each entry's bus", () => {
    expect(ids({ resource: states("dynamodb:updateItem"), request: { TableName: "t" } })).toEqual([
      "dynamodb:UpdateItem {table}",
    ]);
    const entries = [{ EventBusName: "b" }, { EventBusName: "b" }];
    expect(ids({ resource: states("events:putEvents"), request: { Entries: entries } })).toEqual([
      "events:PutEvents {bus}",
    ]);
  });

  it("an integration without a mapping fails instead of going unchecked", () => {
    expect(() => ids({ resource: states("sqs:sendMessage"), request: {} })).toThrow(
      /no IAM mapping for the integration sqs:sendMessage/,
    );
  });

  it("the recording handler keeps the request as sent and the task error's name of a failure", async () => {
    const sink: IntegrationCall[] = [];
    const fails = Object.assign(new Error("gone"), { name: "S3.NoSuchKeyException" });
    const ok = recordingHandler("a", (r: { n: number }) => r.n + 1, sink);
    const bad = recordingHandler("b", () => Promise.reject(fails), sink);
    expect(await ok({ n: 1 })).toBe(2);
    await expect(bad({ n: 2 })).rejects.toBe(fails);
    expect(sink).toEqual([
      { resource: "a", request: { n: 1 } },
      { resource: "b", request: { n: 2 }, error: "S3.NoSuchKeyException" },
    ]);
  });
});

describe("the calls derived from the orchestrated stack's program", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("orchestrated");
  }, 120_000);

  it("KEDA's operator may poll exactly the queues its ScaledObject and ScaledJob trigger on", () => {
    const urls = [run.outputs.eventsQueueUrl, run.outputs.preprocessQueueUrl].map(String).sort();
    expect(kedaTriggerQueueUrls(run)).toEqual(urls);
    expect(kedaOperatorCalls(run).map((c) => [c.action, c.resource])).toEqual(
      urls.map((u) => ["sqs:GetQueueAttributes", queueArnOfUrl(u)]),
    );
    expect(queueArnOfUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/q-1")).toBe(
      "arn:aws:sqs:eu-west-1:123456789012:q-1",
    );
  });

  it("the state machine's calls come from executing the deployed definition: every integration it uses", async () => {
    const calls = (await stateMachineCalls(run)).map((c) => `${c.action} ${c.resource}`);
    expect(calls).toEqual(
      expect.arrayContaining([
        "eks:DescribeCluster {cluster}",
        "s3:GetObjectVersion {raw}/batch/a.csv",
        "s3:PutObject {lake}/raw/a.csv",
        "s3:GetObject {processed}/output-batch/a/quality_metrics.json",
        "s3:ListBucket {processed}",
        "dynamodb:UpdateItem {table}",
        "events:PutEvents {bus}",
      ]),
    );
  });
});
