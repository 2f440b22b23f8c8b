/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped */
import aslValidator from "asl-validator";
import { DETAIL_TYPES, STATE_NAMES } from "../config/workflow-names";
import { orchestratorGroup } from "../k8s/specs/orchestrator";
import {
  byType,
  dependsOn,
  MOCK_ACCOUNT,
  one,
  runProgram,
  type ProgramRun,
} from "../harness/program";

const OUTPUTS = ["stateMachineArn", "resultsTableName", "eventBusName", "notificationTopicArn"];
const list = (v: unknown): any[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

let on: ProgramRun;
let emr: ProgramRun;
let dev: ProgramRun;
beforeAll(async () => {
  on = await runProgram("orchestrated");
  emr = await runProgram("orchestrated", {
    "event-pipeline:orchestration": { enabled: true, engine: "emr" },
  });
  dev = await runProgram("dev");
}, 120000);

const ofType = (run: ProgramRun, type: string) =>
  byType(run, type).filter((r) => r.name.startsWith("orchestration"));

describe("the orchestrated variant is a setting", () => {
  test("it is off in Pulumi.dev.yaml: no variant resources, none of its outputs", () => {
    expect(dev.settings.orchestration.enabled).toBe(false);
    expect(dev.resources.filter((r) => r.name.startsWith("orchestration"))).toEqual([]);
    for (const o of OUTPUTS) expect(dev.outputs[o]).toBeUndefined();
    // Without the variant the raw bucket does not send its events to EventBridge.
    expect(one(dev, "aws:s3/bucketNotification:BucketNotification").inputs.eventbridge).toBe(false);
  });

  test("it is on in Pulumi.orchestrated.yaml and exports its four outputs", () => {
    expect(on.settings.orchestration.enabled).toBe(true);
    for (const o of OUTPUTS) expect(on.outputs[o]).toEqual(expect.any(String));
    expect(on.outputs.resultsTableName).toBe(
      one(on, "aws:dynamodb/table:Table", "orchestration-results").inputs.name,
    );
    expect(on.outputs.eventBusName).toBe(
      one(on, "aws:cloudwatch/eventBus:EventBus", "orchestration-bus").inputs.name,
    );
  });
});

describe("the orchestrated variant under mocks", () => {
  test("one bucket notification carries both the SQS and the EventBridge configuration", () => {
    const n = one(on, "aws:s3/bucketNotification:BucketNotification");
    expect(n.inputs.eventbridge).toBe(true);
    // One SQS configuration per upload suffix, all under the KEDA path's input/.
    expect(n.inputs.queues.map((q: { filterSuffix: string }) => q.filterSuffix)).toEqual([
      ".csv",
      ".csv.gz",
    ]);
    expect(n.inputs.queues.map((q: { filterPrefix: string }) => q.filterPrefix)).toEqual([
      "input/",
      "input/",
    ]);
  });

  test("the upload rule matches aws.s3 Object Created in the raw bucket under the prefix only", () => {
    const rule = one(on, "aws:cloudwatch/eventRule:EventRule", "uploads");
    const pattern = parse(rule.inputs.eventPattern);
    expect(pattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: [on.outputs.rawBucketName] },
        object: { key: [{ prefix: "batch/" }] },
      },
    });
    expect(rule.inputs.eventBusName).toBeUndefined(); // S3 publishes on the default bus
    // The rule waits for the notification that turns EventBridge delivery on.
    expect(dependsOn(rule, one(on, "aws:s3/bucketNotification:BucketNotification"))).toBe(true);
  });

  test("every rule target has a dead-letter queue and a bounded retry policy", () => {
    const targets = ofType(on, "aws:cloudwatch/eventTarget:EventTarget");
    expect(targets).toHaveLength(2);
    const dlq = one(on, "aws:sqs/queue:Queue", "rules-dlq");
    for (const t of targets) {
      expect(t.inputs.deadLetterConfig.arn).toBe(dlq.state.arn);
      expect(t.inputs.retryPolicy).toEqual({
        maximumEventAgeInSeconds: expect.any(Number),
        maximumRetryAttempts: expect.any(Number),
      });
      expect(t.inputs.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
    }
    const uploads = targets.find((t) => t.name.endsWith("uploads"))!;
    expect(uploads.inputs.arn).toBe(on.outputs.stateMachineArn);
    const announcements = targets.find((t) => t.name.endsWith("announcements"))!;
    expect(announcements.inputs.arn).toBe(on.outputs.notificationTopicArn);
    expect(announcements.inputs.eventBusName).toBe(on.outputs.eventBusName);
  });

  test("the announcement rule on the custom bus forwards both outcomes to the topic", () => {
    const rule = one(on, "aws:cloudwatch/eventRule:EventRule", "announcements");
    expect(rule.inputs.eventBusName).toBe(on.outputs.eventBusName);
    expect(parse(rule.inputs.eventPattern)["detail-type"]).toEqual([
      DETAIL_TYPES.processed,
      DETAIL_TYPES.failed,
    ]);
  });

  test("the topic is encrypted with a rotating key and mails the subscribers from settings", () => {
    const topic = one(on, "aws:sns/topic:Topic", "notifications");
    const key = one(on, "aws:kms/key:Key", "notifications");
    expect(topic.inputs.kmsMasterKeyId).toBe(key.state.arn);
    expect(key.inputs.enableKeyRotation).toBe(true);
    const subs = ofType(on, "aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint])).toEqual(
      on.settings.orchestration.notificationEmails.map((e) => ["email", e]),
    );
  });

  test("the results table is on-demand, encrypted, with point-in-time recovery", () => {
    const t = one(on, "aws:dynamodb/table:Table", "orchestration-results");
    expect(t.inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "objectKey",
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
    });
  });

  test("the lake bucket is private, versioned, TLS-only and encrypted with the data key", () => {
    const sse = one(
      on,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "orchestration-lake",
    );
    expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: one(on, "aws:kms/key:Key", "data-key").state.arn,
    });
    expect(
      one(on, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "orchestration-lake")
        .inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = parse(
      one(on, "aws:s3/bucketPolicy:BucketPolicy", "orchestration-lake").inputs.policy,
    );
    expect(policy.Statement[0].Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(
      one(on, "aws:s3/bucketVersioning:BucketVersioning", "orchestration-lake").inputs
        .versioningConfiguration.status,
    ).toBe("Enabled");
    const dlq = one(on, "aws:sqs/queue:Queue", "rules-dlq");
    expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
  });

  test.each([
    ["eks", () => on],
    ["emr", () => emr],
  ])("the deployed definition (%s) is valid ASL and names the deployed resources", (_e, run) => {
    const sm = one(run(), "aws:sfn/stateMachine:StateMachine", "orchestration-batch");
    expect(sm.inputs.type).toBe("STANDARD");
    const definition = JSON.parse(sm.inputs.definition);
    expect(aslValidator(definition).isValid).toBe(true);
    const store = definition.States[STATE_NAMES.store];
    expect(store.Parameters.TableName).toBe(run().outputs.resultsTableName);
    const announce = definition.States[STATE_NAMES.announce];
    expect(announce.Parameters.Entries[0].EventBusName).toBe(run().outputs.eventBusName);
    const runJob = definition.States[STATE_NAMES.process].Branches[0].States[STATE_NAMES.runJob];
    if (_e === "eks") {
      const cluster = one(run(), "eks:index:Cluster");
      expect(runJob.Parameters.ClusterName).toBe(run().outputs.clusterName);
      expect(runJob.Parameters.Endpoint).toMatch(/^https:\/\//);
      expect(runJob.Parameters.CertificateAuthority).toEqual(expect.any(String));
      expect(cluster).toBeDefined();
      const container = runJob.Parameters.Job.spec.template.spec.containers[0];
      expect(container.image).toBe(run().outputs.processorImage);
      // With Karpenter (the stack's default) the Job runs in the job pool, like the KEDA jobs.
      expect(run().settings.nodeAutoscaling).toBe("karpenter");
      expect(runJob.Parameters.Job.spec.template.spec.nodeSelector).toEqual({
        "pipeline/pool": "jobs",
      });
    } else {
      expect(runJob.Resource).toBe("arn:aws:states:::emr-containers:startJobRun.sync");
      expect(runJob.Parameters.VirtualClusterId).toBe(
        one(run(), "aws:emrcontainers/virtualCluster:VirtualCluster").id,
      );
    }
  });

  test("the state machine is created after its permissions and its cluster access", () => {
    const sm = one(on, "aws:sfn/stateMachine:StateMachine", "orchestration-batch");
    expect(
      dependsOn(sm, one(on, "aws:iam/rolePolicy:RolePolicy", "orchestration-state-machine")),
    ).toBe(true);
    expect(
      dependsOn(sm, one(on, "aws:eks/accessEntry:AccessEntry", "orchestration-state-machine")),
    ).toBe(true);
    expect(
      dependsOn(
        sm,
        one(
          on,
          "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
          "orchestration-orchestrator",
        ),
      ),
    ).toBe(true);
  });
});

describe("the emr engine", () => {
  test("Spark runs in a baseline namespace of its own that the virtual cluster maps", () => {
    const ns = one(emr, "kubernetes:core/v1:Namespace", "orchestration-spark");
    expect(ns.inputs.metadata.name).toBe(`${emr.settings.workloads.namespace}-spark`);
    expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    const vc = one(emr, "aws:emrcontainers/virtualCluster:VirtualCluster", "orchestration-spark");
    expect(vc.inputs.containerProvider).toEqual({
      id: emr.outputs.clusterName,
      type: "EKS",
      info: { eksInfo: { namespace: ns.inputs.metadata.name } },
    });
    // Pod Identity on the service accounts EMR creates for a job run (client, driver, executor:
    // `aws emr-containers create-role-associations` semantics), not on a custom one.
    const role = one(emr, "aws:iam/role:Role", "orchestration-spark");
    expect(role.inputs.name).toBe("event-pipeline-orchestrated-emr-job");
    const encoded = "p9cuaq882xawgvkkxhge0afhk53vfgynxhuivzen29h0u1h8wqb04i"; // AWS CLI's Base36
    const expected = ["client", "driver", "executor"].map(
      (c) => `emr-containers-sa-spark-${c}-${MOCK_ACCOUNT}-${encoded}`,
    );
    const associations = ofType(
      emr,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    ).filter((a) => a.name.startsWith("orchestration-spark"));
    expect(associations.map((a) => a.inputs.serviceAccount).sort()).toEqual(expected);
    for (const a of associations) {
      expect(a.inputs).toMatchObject({
        namespace: ns.inputs.metadata.name,
        roleArn: role.state.arn,
        clusterName: emr.outputs.clusterName,
      });
    }
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
    expect(trust.Statement[0].Condition.StringEquals).toMatchObject({
      "aws:RequestTag/kubernetes-namespace": ns.inputs.metadata.name,
      "aws:RequestTag/kubernetes-service-account": expected,
    });
    // No custom service account, and spark-submit does not name one.
    expect(
      ofType(emr, "kubernetes:core/v1:ServiceAccount").filter((a) =>
        String(a.inputs.metadata?.namespace).endsWith("-spark"),
      ),
    ).toEqual([]);
    const sm = JSON.parse(one(emr, "aws:sfn/stateMachine:StateMachine").inputs.definition);
    expect(JSON.stringify(sm)).not.toContain("serviceAccountName");
    // No Kubernetes Job path: no access entry or RBAC for the state machine.
    expect(ofType(emr, "aws:eks/accessEntry:AccessEntry")).toEqual([]);
    expect(ofType(emr, "kubernetes:rbac.authorization.k8s.io/v1:Role")).toEqual([]);
  });

  test("the Spark entry point is uploaded to the lake and named by the job run", () => {
    const script = one(emr, "aws:s3/bucketObjectv2:BucketObjectv2", "spark-entry-point");
    expect(script.inputs.key).toBe("artifacts/preprocess_object.py");
    const sm = one(emr, "aws:sfn/stateMachine:StateMachine", "orchestration-batch");
    const runJob = JSON.parse(sm.inputs.definition).States[STATE_NAMES.process].Branches[0].States[
      STATE_NAMES.runJob
    ];
    const lake = one(emr, "aws:s3/bucket:Bucket", "orchestration-lake");
    expect(runJob.Parameters.JobDriver.SparkSubmitJobDriver.EntryPoint).toBe(
      `s3://${lake.state.bucket}/artifacts/preprocess_object.py`,
    );
    expect(runJob.Parameters.ReleaseLabel).toBe(emr.settings.orchestration.emrReleaseLabel);
  });
});

describe("operating the orchestrated variant", () => {
  test("failed, timed-out and aborted executions and dead letters alarm on the alarm topic", () => {
    const alarms = ofType(on, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.inputs.metricName).sort()).toEqual([
      "ApproximateNumberOfMessagesVisible",
      "ExecutionsAborted",
      "ExecutionsFailed",
      "ExecutionsTimedOut",
    ]);
    for (const a of alarms) {
      expect(a.inputs.alarmActions).toEqual([on.outputs.alarmTopicArn]);
      expect(a.inputs).toMatchObject({ comparisonOperator: "GreaterThanThreshold", threshold: 0 });
      expect(a.inputs.period).toBe(on.settings.monitoring.periodSeconds);
    }
    const failed = alarms.find((a) => a.inputs.metricName === "ExecutionsFailed")!;
    expect(failed.inputs.dimensions).toEqual({ StateMachineArn: on.outputs.stateMachineArn });
    const dead = alarms.find((a) => a.inputs.namespace === "AWS/SQS")!;
    expect(dead.inputs.dimensions).toEqual({
      QueueName: one(on, "aws:sqs/queue:Queue", "rules-dlq").inputs.name,
    });
  });
});

describe("least privilege of the orchestrated variant", () => {
  const policies = (run: ProgramRun) =>
    ofType(run, "aws:iam/rolePolicy:RolePolicy").map(
      (p) => [p.name, parse(p.inputs.policy)] as const,
    );

  test.each([
    ["eks", () => on],
    ["emr", () => emr],
  ])("no role policy (%s) has a wildcard action or a * resource", (_e, run) => {
    const all = policies(run());
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const [name, doc] of all) {
      for (const s of doc.Statement) {
        for (const a of list(s.Action))
          expect({ name, a }).toEqual({ name, a: expect.not.stringMatching(/\*/) });
        for (const r of list(s.Resource)) expect({ name, r }).not.toEqual({ name, r: "*" });
      }
    }
  });

  test("iam:PassRole appears only in the EMR engine, on the execution role, for EMR on EKS", () => {
    const passes = (run: ProgramRun) =>
      policies(run).flatMap(([, d]) =>
        d.Statement.filter((s: any) => list(s.Action).includes("iam:PassRole")),
      );
    expect(passes(on)).toEqual([]);
    const [pass, ...rest] = passes(emr);
    expect(rest).toEqual([]);
    expect(pass.Resource).toBe(one(emr, "aws:iam/role:Role", "orchestration-spark").state.arn);
    expect(pass.Condition).toEqual({
      StringEquals: { "iam:PassedToService": "emr-containers.amazonaws.com" },
    });
  });

  test("the start-execution role is trusted only by EventBridge for the upload rule", () => {
    const role = one(on, "aws:iam/role:Role", "orchestration-start-execution");
    const rule = one(on, "aws:cloudwatch/eventRule:EventRule", "uploads");
    expect(parse(role.inputs.assumeRolePolicy).Statement[0]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Condition: {
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
        ArnLike: {
          "aws:SourceArn": `arn:aws:events:eu-west-1:${MOCK_ACCOUNT}:rule/${rule.inputs.name}`,
        },
      },
    });
  });

  test("EventBridge may start exactly the state machine, and nothing else", () => {
    const [, doc] = policies(on).find(([n]) => n.endsWith("start-execution"))!;
    expect(doc.Statement).toEqual([
      expect.objectContaining({
        Action: "states:StartExecution",
        Resource: on.outputs.stateMachineArn,
      }),
    ]);
  });

  test("the state machine's role is trusted only by Step Functions for this state machine", () => {
    const role = one(on, "aws:iam/role:Role", "orchestration-state-machine");
    const trust = parse(role.inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "states.amazonaws.com" });
    // The ARN as Step Functions forms it (the mock's generic ARN has another shape).
    const sm = one(on, "aws:sfn/stateMachine:StateMachine", "orchestration-batch");
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
      ArnLike: {
        "aws:SourceArn": `arn:aws:states:eu-west-1:${MOCK_ACCOUNT}:stateMachine:${sm.inputs.name}`,
      },
    });
  });

  test("the state machine reaches Kubernetes only through a namespaced Role bound to its group", () => {
    const entry = one(on, "aws:eks/accessEntry:AccessEntry", "orchestration-state-machine");
    expect(entry.inputs.principalArn).toBe(
      one(on, "aws:iam/role:Role", "orchestration-state-machine").state.arn,
    );
    expect(entry.inputs.kubernetesGroups).toEqual([orchestratorGroup("event-pipeline")]);
    expect(ofType(on, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")).toEqual([]);
    const role = one(
      on,
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "orchestration-orchestrator",
    );
    expect(role.inputs.metadata.namespace).toBe(on.settings.workloads.namespace);
    for (const rule of role.inputs.rules) {
      expect(rule.verbs).not.toContain("*");
      expect(rule.resources).not.toContain("secrets");
    }
    const binding = one(
      on,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "orchestration-orchestrator",
    );
    expect(binding.inputs.subjects).toEqual([
      {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Group",
        name: orchestratorGroup("event-pipeline"),
      },
    ]);
    expect(
      byType(on, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter((r) =>
        r.name.startsWith("orchestration"),
      ),
    ).toEqual([]);
  });

  test("the variant's Kubernetes objects wait for the workload namespace", () => {
    const namespace = byType(on, "kubernetes:core/v1:Namespace").find(
      (n) => n.inputs.metadata?.name === on.settings.workloads.namespace,
    )!;
    expect(namespace).toBeDefined();
    for (const type of [
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]) {
      for (const r of ofType(on, type))
        expect({ r: r.name, waits: dependsOn(r, namespace) }).toEqual({ r: r.name, waits: true });
    }
  });

  test("the processing job's service account gets its own Pod Identity role", () => {
    const assoc = one(
      on,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "orchestration-job",
    );
    expect(assoc.inputs).toMatchObject({
      namespace: on.settings.workloads.namespace,
      serviceAccount: "batch-object",
    });
    const [, doc] = policies(on).find(([n]) => n === "orchestration-job")!;
    const reads = doc.Statement.find((s: any) => list(s.Action).includes("s3:GetObject"));
    expect(list(reads.Resource)).toEqual([`arn:aws:s3:::${on.outputs.rawBucketName}/batch/*`]);
  });
});
