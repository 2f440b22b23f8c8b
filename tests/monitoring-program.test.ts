import { byType, one, runProgram, type ProgramRun } from "../harness/program";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function queueNames(run: ProgramRun): Record<string, string> {
  return Object.fromEntries(
    byType(run, "aws:sqs/queue:Queue").map((q) => [q.name, String(q.inputs.name ?? q.state.name)]),
  );
}

function alarmedQueues(run: ProgramRun): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const alarm of byType(run, ALARM)) {
    const dims = [
      alarm.inputs.dimensions?.QueueName,
      ...(
        (alarm.inputs.metricQueries ?? []) as { metric?: { dimensions?: { QueueName?: string } } }[]
      ).map((q) => q.metric?.dimensions?.QueueName),
    ].filter((d): d is string => typeof d === "string");
    for (const queue of new Set(dims)) {
      out.set(queue, [...(out.get(queue) ?? []), alarm.name]);
    }
  }
  return out;
}

describe.each(["dev", "prod"])("monitoring of the %s stack", (stack) => {
  test("every queue and DLQ the program creates has its alarms", async () => {
    const run = await runProgram(stack);
    const alarmed = alarmedQueues(run);
    const names = Object.values(queueNames(run)).filter((n) => !n.includes("interruption"));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const queue of names) {
      const alarms = alarmed.get(queue) ?? [];
      if (queue.endsWith("-dlq")) expect(alarms.some((a) => a.endsWith("dlq-messages"))).toBe(true);
      else expect(alarms.some((a) => a.endsWith("oldest-message"))).toBe(true);
    }
    const preprocess =
      run.settings && [...alarmed.entries()].find(([q]) => q.endsWith("-preprocess"));
    expect(preprocess?.[1]).toEqual(expect.arrayContaining([expect.stringMatching(/stalled$/)]));
    const events = [...alarmed.entries()].find(([q]) => q.endsWith("-events"));
    expect(events?.[1]).toEqual(expect.arrayContaining([expect.stringMatching(/backlog$/)]));
  });

  test("Karpenter's interruption DLQ alarms on its first message, and only with Karpenter", async () => {
    const run = await runProgram(stack);
    const dlq = one(run, "aws:sqs/queue:Queue", "karpenter-interruption-dlq");
    const alarm = one(run, ALARM, "karpenter-interruption-dlq-messages");
    expect(dlq.state.name).toEqual(expect.stringMatching(/interruption-dlq/));
    expect(alarm.inputs.dimensions).toEqual({ QueueName: dlq.state.name });
    expect(alarm.inputs).toMatchObject({
      metricName: "ApproximateNumberOfMessagesVisible",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
    const fixed = await runProgram(stack, { "event-pipeline:nodeAutoscaling": "none" });
    expect(byType(fixed, ALARM).map((a) => a.name)).not.toContain(alarm.name);
  });

  test("each alarm notifies the encrypted alarm topic on alarm and on recovery", async () => {
    const run = await runProgram(stack);
    const topic = one(run, "aws:sns/topic:Topic", "alarms");
    expect(topic.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    const key = byType(run, "aws:kms/key:Key").find(
      (k) => k.state.arn === topic.inputs.kmsMasterKeyId,
    );
    expect(key?.inputs.enableKeyRotation).toBe(true);
    for (const alarm of byType(run, ALARM)) {
      expect(alarm.inputs.alarmActions).toEqual([topic.state.arn]);
      expect(alarm.inputs.okActions).toEqual([topic.state.arn]);
      expect(alarm.inputs.treatMissingData).toEqual(expect.any(String));
    }
    expect(run.outputs.alarmTopicArn).toBe(topic.state.arn);
  });

  test("the dashboard body is valid JSON whose widgets reference the program's own queues", async () => {
    const run = await runProgram(stack);
    const dashboard = one(run, "aws:cloudwatch/dashboard:Dashboard");
    const body = JSON.parse(dashboard.inputs.dashboardBody as string) as { widgets: unknown[] };
    expect(body.widgets.length).toBeGreaterThan(5);
    const text = dashboard.inputs.dashboardBody as string;
    for (const queue of Object.values(queueNames(run)).filter((n) => !n.includes("interruption"))) {
      expect(text).toContain(JSON.stringify(queue));
    }
    expect(run.outputs.dashboardName).toBe(dashboard.inputs.dashboardName);
  });

  test("S3 request metrics filter the output/ and events/ prefixes", async () => {
    const run = await runProgram(stack);
    const prefixes = byType(run, "aws:s3/bucketMetric:BucketMetric").map(
      (m) => m.inputs.filter?.prefix,
    );
    expect(prefixes.sort()).toEqual(["events/", "output/"]);
  });

  test("Container Insights runs as a pinned add-on whose role comes through Pod Identity", async () => {
    const run = await runProgram(stack);
    const addon = byType(run, "aws:eks/addon:Addon").find(
      (a) => a.inputs.addonName === "amazon-cloudwatch-observability",
    );
    expect(addon?.inputs.addonVersion).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
    const association = addon?.inputs.podIdentityAssociations?.[0];
    expect(association?.serviceAccount).toBe("cloudwatch-agent");
    const role = byType(run, "aws:iam/role:Role").find((r) => r.state.arn === association?.roleArn);
    const trust = JSON.parse(role?.inputs.assumeRolePolicy as string);
    expect(trust.Statement[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
    const attachments = byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
      (a) => a.inputs.role === role?.state.name,
    );
    expect(attachments).toEqual([]);
  });

  test("the add-on runs with Application Signals off, and its role grants no X-Ray writes", async () => {
    // The add-on enables Application Signals by default; the agent needs X-Ray for it and the
    // pipeline is not instrumented for it (infra/monitoring/addon.ts).
    const run = await runProgram(stack);
    const addon = byType(run, "aws:eks/addon:Addon").find(
      (a) => a.inputs.addonName === "amazon-cloudwatch-observability",
    );
    const values = JSON.parse(String(addon?.inputs.configurationValues));
    const config = values.agent.config;
    expect(config.logs.metrics_collected.kubernetes.enhanced_container_insights).toBe(true);
    expect(JSON.stringify(values)).not.toContain("application_signals");
    expect(config.traces).toBeUndefined();
    const association = addon?.inputs.podIdentityAssociations?.[0];
    const role = byType(run, "aws:iam/role:Role").find((r) => r.state.arn === association?.roleArn);
    const policies = byType(run, "aws:iam/rolePolicy:RolePolicy").filter(
      (p) => p.inputs.role === role?.state.name,
    );
    expect(policies).toHaveLength(1);
    expect(String(policies[0]?.inputs.policy)).not.toMatch(/xray:/);
  });

  test("log groups keep logs for the configured number of days", async () => {
    const run = await runProgram(stack);
    const groups = byType(run, "aws:cloudwatch/logGroup:LogGroup");
    const insights = groups.filter((g) =>
      String(g.inputs.name).startsWith("/aws/containerinsights/"),
    );
    expect(insights).toHaveLength(4);
    for (const g of insights)
      expect(g.inputs.retentionInDays).toBe(run.settings.monitoring.logRetentionDays);
    const controlPlane = groups.find((g) =>
      /^\/aws\/eks\/.+\/cluster$/.test(String(g.inputs.name)),
    );
    expect(controlPlane?.inputs.retentionInDays).toBe(run.settings.cluster.logRetentionDays);
  });
});
