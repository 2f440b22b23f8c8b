import type { PolicyDocument, PolicyStatement } from "../infra/iam/documents";
import {
  deadLetterQueuePolicy,
  jobRolePolicy,
  notificationKeyPolicy,
  serviceTrustPolicy,
  startExecutionPolicy,
  stateMachinePolicy,
  topicPolicy,
  type StateMachinePolicyInput,
} from "../infra/iam/orchestration";
import { announcementsPattern, objectCreatedPattern } from "../infra/orchestration/patterns";

const arn = {
  raw: "arn:aws:s3:::raw-bucket",
  processed: "arn:aws:s3:::processed-bucket",
  lake: "arn:aws:s3:::lake-bucket",
  key: "arn:aws:kms:eu-west-1:123456789012:key/1111",
  table: "arn:aws:dynamodb:eu-west-1:123456789012:table/results",
  bus: "arn:aws:events:eu-west-1:123456789012:event-bus/pipeline-bus",
  cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/pipeline",
  vc: "arn:aws:emr-containers:eu-west-1:123456789012:/virtualclusters/abc",
  emrRole: "arn:aws:iam::123456789012:role/emr-job",
  sm: "arn:aws:states:eu-west-1:123456789012:stateMachine:batch",
};
const base: Omit<StateMachinePolicyInput, "engine"> = {
  rawBucketArn: arn.raw,
  prefix: "batch/",
  processedBucketArn: arn.processed,
  lakeBucketArn: arn.lake,
  dataKeyArn: arn.key,
  kms: { region: "eu-west-1", dnsSuffix: "amazonaws.com" },
  tableArn: arn.table,
  eventBusArn: arn.bus,
};
const eksPolicy = stateMachinePolicy({ ...base, engine: { kind: "eks", clusterArn: arn.cluster } });
const emrPolicy = stateMachinePolicy({
  ...base,
  engine: { kind: "emr", virtualClusterArn: arn.vc, executionRoleArn: arn.emrRole },
});
const identityPolicies: [string, PolicyDocument][] = [
  ["state machine (eks)", eksPolicy],
  ["state machine (emr)", emrPolicy],
  ["EventBridge → state machine", startExecutionPolicy(arn.sm)],
  [
    "processing job",
    jobRolePolicy({
      rawBucketArn: arn.raw,
      prefix: "batch/",
      processedBucketArn: arn.processed,
      dataKeyArn: arn.key,
      kms: base.kms,
      lakeBucketArn: arn.lake,
    }),
  ],
];
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[];
const allows = (doc: PolicyDocument, action: string): PolicyStatement[] =>
  doc.Statement.filter((s) => s.Effect === "Allow" && list(s.Action).includes(action));

describe("the orchestrated variant's identity policies", () => {
  test.each(identityPolicies)("%s: no wildcard action and no wildcard resource", (_n, doc) => {
    for (const s of doc.Statement) {
      for (const a of list(s.Action)) expect(a).not.toMatch(/\*/);
      for (const r of list(s.Resource)) expect(r).not.toBe("*");
    }
  });

  test("the EKS state machine passes no role at all", () => {
    expect(allows(eksPolicy, "iam:PassRole")).toEqual([]);
  });

  test("the EMR state machine passes only the job execution role, only to EMR on EKS", () => {
    const pass = allows(emrPolicy, "iam:PassRole");
    expect(pass).toHaveLength(1);
    expect(pass[0]!.Resource).toBe(arn.emrRole);
    expect(pass[0]!.Condition).toEqual({
      StringEquals: { "iam:PassedToService": "emr-containers.amazonaws.com" },
    });
    const start = allows(emrPolicy, "emr-containers:StartJobRun");
    expect(start[0]!.Resource).toBe(arn.vc);
    expect(start[0]!.Condition).toEqual({
      ArnEquals: { "emr-containers:ExecutionRoleArn": arn.emrRole },
    });
  });

  test("the state machine reads only its own prefix and writes the lake only under raw/", () => {
    expect(allows(eksPolicy, "s3:GetObjectVersion")[0]!.Resource).toBe(`${arn.raw}/batch/*`);
    expect(allows(eksPolicy, "s3:PutObject")[0]!.Resource).toBe(`${arn.lake}/raw/*`);
    expect(allows(eksPolicy, "dynamodb:UpdateItem")[0]!.Resource).toBe(arn.table);
    expect(allows(eksPolicy, "events:PutEvents")[0]!.Resource).toBe(arn.bus);
    expect(allows(eksPolicy, "kms:Decrypt")[0]!.Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
    });
  });

  test("the workflow and its job use the path's own results roots and error reports, never the KEDA path's", () => {
    const metrics = allows(eksPolicy, "s3:GetObject").flatMap((st) => list(st.Resource));
    expect(metrics).toContain(`${arn.processed}/output-batch/*`);
    expect(metrics).toContain(`${arn.processed}/output-batch.gz/*`);
    expect(metrics).not.toContain(`${arn.processed}/output/*`);
    const job = identityPolicies.find(([name]) => name === "processing job")![1];
    const writes = allows(job, "s3:PutObject").flatMap((st) => list(st.Resource));
    expect(writes.sort()).toEqual([
      `${arn.processed}/errors/batch/*`,
      `${arn.processed}/output-batch.gz/*`,
      `${arn.processed}/output-batch/*`,
    ]);
  });

  test("no statement grants dynamodb:* or another service-wide action", () => {
    const actions = identityPolicies.flatMap(([, d]) => d.Statement.flatMap((s) => list(s.Action)));
    expect(actions.filter((a) => a.endsWith(":*") || a === "*")).toEqual([]);
  });

  test("roles are assumable only by the named service of this account", () => {
    expect(serviceTrustPolicy("states.amazonaws.com", "123456789012", arn.sm).Statement[0]).toEqual(
      {
        Sid: "AllowServiceOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": arn.sm },
        },
      },
    );
  });
});

describe("the orchestrated variant's resource policies", () => {
  test("the topic accepts publications only from the notification rule, over TLS", () => {
    const rule = "arn:aws:events:eu-west-1:123456789012:rule/pipeline-bus/notify";
    const doc = topicPolicy("arn:aws:sns:eu-west-1:123456789012:t", rule, "123456789012");
    const allow = doc.Statement.find((s) => s.Effect === "Allow")!;
    expect(allow.Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(allow.Condition?.ArnEquals).toEqual({ "aws:SourceArn": rule });
    expect(doc.Statement.some((s) => s.Effect === "Deny" && s.Condition?.Bool)).toBe(true);
  });

  test("the key lets EventBridge encrypt only for rules on the custom bus; no kms:*", () => {
    const doc = notificationKeyPolicy({
      partition: "aws",
      account: "123456789012",
      region: "eu-west-1",
      eventBusName: "pipeline-bus",
    });
    for (const s of doc.Statement) expect(list(s.Action)).not.toContain("kms:*");
    const events = doc.Statement.find((s) => JSON.stringify(s.Principal).includes("events"))!;
    expect(events.Condition?.ArnLike).toEqual({
      "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/pipeline-bus/*",
    });
    expect(list(events.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
  });

  test("the dead-letter queue accepts messages only from the variant's rules", () => {
    const rules = [
      "arn:aws:events:eu-west-1:123456789012:rule/a",
      "arn:aws:events:eu-west-1:123456789012:rule/b/c",
    ];
    const doc = deadLetterQueuePolicy("arn:aws:sqs:eu-west-1:123456789012:dlq", rules);
    expect(doc.Statement[0]!.Condition).toEqual({ ArnEquals: { "aws:SourceArn": rules } });
  });
});

describe("the event patterns", () => {
  test("uploads match on source aws.s3, Object Created, the raw bucket and the prefix", () => {
    expect(objectCreatedPattern("raw-bucket", "batch/")).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: ["raw-bucket"] }, object: { key: [{ prefix: "batch/" }] } },
    });
    expect(() => objectCreatedPattern("raw-bucket", "")).toThrow(/prefix/);
  });

  test("notifications match both announcements of the state machine", () => {
    expect(announcementsPattern()).toEqual({
      source: ["event-pipeline.orchestration"],
      "detail-type": ["InputDataProcessed", "InputDataProcessingFailed"],
    });
  });
});
