import { parseSettings } from "../config";
import {
  alarmSpecs,
  eventsAgeThresholdSeconds,
  preprocessAgeThresholdSeconds,
} from "../infra/monitoring/alarms";
import { dashboardBody } from "../infra/monitoring/dashboard";
import {
  alarmTopicKeyPolicy,
  alarmTopicPolicy,
  containerInsightsAgentPolicy,
  containerInsightsLogGroups,
} from "../infra/iam/monitoring";

const settings = parseSettings({ region: "eu-west-1" });
const queues = {
  preprocess: "p-dev-preprocess",
  preprocessDlq: "p-dev-preprocess-dlq",
  events: "p-dev-events",
  eventsDlq: "p-dev-events-dlq",
};
const scope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

type Statement = { Action: string[] | string; Resource: string[] | string; Condition?: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe("alarm specs", () => {
  const specs = alarmSpecs(settings, queues);
  const watching = (queue: string) =>
    specs.filter((s) => s.metrics.some((m) => m.queueName === queue)).map((s) => s.key);

  test("each DLQ alarms on its first visible message within one period", () => {
    for (const dlq of [queues.preprocessDlq, queues.eventsDlq]) {
      const spec = specs.find(
        (s) =>
          s.metrics[0]?.queueName === dlq &&
          s.metrics[0].metricName === "ApproximateNumberOfMessagesVisible",
      );
      expect(spec).toMatchObject({
        comparison: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: 1,
      });
    }
  });

  test("each main queue alarms on the age of its oldest message, from its visibility timeout", () => {
    const age = (queue: string) =>
      specs.find(
        (s) =>
          s.metrics[0]?.queueName === queue &&
          s.metrics[0].metricName === "ApproximateAgeOfOldestMessage",
      )?.threshold;
    expect(age(queues.preprocess)).toBe(preprocessAgeThresholdSeconds(settings));
    expect(age(queues.preprocess)).toBe(900 + 300);
    expect(age(queues.events)).toBe(eventsAgeThresholdSeconds(settings));
    expect(age(queues.events)).toBe(120 + 30);
  });

  test("a preprocess stall means messages visible and none deleted for the configured periods", () => {
    const stall = specs.find((s) => s.key === "preprocess-stalled");
    expect(stall?.expression).toBe("IF(visible > 0 AND deleted == 0, 1, 0)");
    expect(stall?.metrics.map((m) => [m.id, m.metricName, m.stat])).toEqual([
      ["visible", "ApproximateNumberOfMessagesVisible", "Maximum"],
      ["deleted", "NumberOfMessagesDeleted", "Sum"],
    ]);
    expect([stall?.evaluationPeriods, stall?.datapointsToAlarm]).toEqual([3, 3]);
  });

  test("the events backlog alarm uses the configured threshold and periods", () => {
    const custom = parseSettings({
      region: "eu-west-1",
      monitoring: { eventsBacklogThreshold: 10, eventsBacklogPeriods: 5 },
    });
    const backlog = alarmSpecs(custom, queues).find((s) => s.key === "events-backlog");
    expect(backlog).toMatchObject({ threshold: 10, evaluationPeriods: 5, datapointsToAlarm: 5 });
  });

  test("every queue and DLQ is watched, and idle queues do not raise alarms", () => {
    expect(watching(queues.preprocess)).toEqual(
      expect.arrayContaining(["preprocess-oldest-message", "preprocess-stalled"]),
    );
    expect(watching(queues.events)).toEqual(
      expect.arrayContaining(["events-oldest-message", "events-backlog"]),
    );
    expect(watching(queues.preprocessDlq)).toEqual(["preprocess-dlq-messages"]);
    expect(watching(queues.eventsDlq)).toEqual(["events-dlq-messages"]);
    for (const spec of specs) expect(spec.treatMissingData).toBe("notBreaching");
    expect(new Set(specs.map((s) => s.key)).size).toBe(specs.length);
  });
});

describe("dashboard", () => {
  const body = dashboardBody({
    region: "eu-west-1",
    queues,
    processedBucket: "proc-bucket",
    eventsBucket: "events-bucket",
    outputFilterId: "output",
    eventsFilterId: "events",
    alarmArns: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a"],
  });
  const text = JSON.stringify(body);

  test("is valid JSON whose widgets reference the stack's own queues and buckets", () => {
    expect(JSON.parse(text)).toEqual(body);
    for (const name of [...Object.values(queues), "proc-bucket", "events-bucket"]) {
      expect(text).toContain(JSON.stringify(name));
    }
  });

  test("widgets fit the 24-column grid without overlapping", () => {
    const cells = new Set<string>();
    for (const w of body.widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell)).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  test("S3 PUTs are read through the request-metric filters on output/ and events/", () => {
    const metrics = body.widgets.flatMap(
      (w) => (w.properties.metrics as unknown[][] | undefined) ?? [],
    );
    const s3 = metrics.filter((m) => m[0] === "AWS/S3");
    expect(s3.map((m) => m.slice(1, 6))).toEqual([
      ["PutRequests", "BucketName", "proc-bucket", "FilterId", "output"],
      ["PutRequests", "BucketName", "events-bucket", "FilterId", "events"],
    ]);
  });
});

describe("monitoring policies", () => {
  test("no statement grants a wildcard action", () => {
    const docs = [
      alarmTopicKeyPolicy(scope),
      alarmTopicPolicy(scope, "arn:aws:sns:eu-west-1:123456789012:t"),
      containerInsightsAgentPolicy(scope, "c1"),
    ];
    for (const doc of docs) {
      for (const s of doc.Statement as Statement[]) {
        for (const a of actionsOf(s)) expect(a).not.toMatch(/\*/);
      }
    }
  });

  test("the agent's Resource '*' is limited to Describe calls and namespaced metric writes", () => {
    const doc = containerInsightsAgentPolicy(scope, "c1");
    for (const s of doc.Statement as Statement[]) {
      if (!resourcesOf(s).includes("*")) continue;
      const ok = actionsOf(s).every(
        (a) => a.startsWith("ec2:Describe") || (a === "cloudwatch:PutMetricData" && s.Condition),
      );
      expect(ok).toBe(true);
    }
  });

  test("the agent writes logs only to this cluster's Container Insights groups", () => {
    const doc = containerInsightsAgentPolicy(scope, "c1");
    const write = (doc.Statement as Statement[]).find((s) =>
      actionsOf(s).includes("logs:PutLogEvents"),
    );
    for (const r of resourcesOf(write as Statement)) {
      expect(r).toMatch(
        /^arn:aws:logs:eu-west-1:123456789012:log-group:\/aws\/containerinsights\/c1\/(application|dataplane|host|performance)(:log-stream:\*)?$/,
      );
    }
    expect(containerInsightsLogGroups("c1")).toHaveLength(4);
  });

  test("only this account's CloudWatch alarms may use the topic key and publish", () => {
    const key = alarmTopicKeyPolicy(scope).Statement.find(
      (s) => s.Sid === "CloudWatchAlarmsEncryptNotifications",
    );
    expect(key).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    const topic = alarmTopicPolicy(scope, "arn:aws:sns:eu-west-1:123456789012:t");
    expect(topic.Statement[0]).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["sns:Publish"],
    });
    expect(topic.Statement[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });
});
