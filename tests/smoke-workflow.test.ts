/**
 * The smoke test's rules for the orchestrated variant, without a stack: the item and notification
 * verdicts against what the state machine's definition writes and announces, the endpoints it
 * honours, its temporary subscriber (against the shared emulator's SNS and SQS), the time limits,
 * where it says to look next, and local mode's serving parts for the workflow.
 * `tests/smoke-local-workflow.test.ts` runs the whole thing against local mode.
 */
import { randomBytes } from "node:crypto";
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { parseSettings, type PipelineOutputs } from "../config";
import { DETAIL_TYPES, METRIC_ATTRIBUTES, RESULTS_TABLE_KEY } from "../config/workflow-names";
import { buildDefinition } from "../infra/orchestration/definition";
import { newUploads } from "../local/input-watch";
import { servedEnvironment } from "../local/serve";
import { workflowOutputs } from "../local/serve-outputs";
import { drainNotifications } from "../local/workflow/collect";
import type { BusEvent } from "../local/workflow/bus";
import { smokeBudgets } from "../scripts/smoke/budget";
import { endpointFor } from "../scripts/smoke/clients";
import {
  closeNotificationQueue,
  notificationQueuePolicy,
  openNotificationQueue,
} from "../scripts/smoke/notifications";
import { outputsProblems, workflowPlaces } from "../scripts/smoke/outputs";
import { planSmoke } from "../scripts/smoke/plan";
import { finalReport, type QueueDepths, type StepResult } from "../scripts/smoke/report";
import {
  itemReadFailure,
  itemStatus,
  notificationStatus,
  type ResultsItem,
} from "../scripts/smoke/workflow-checks";
import { localStackOutputs } from "./support/smoke-fixtures";

const orchestrated = parseSettings({ region: "eu-west-1", orchestration: { enabled: true } });
const plan = planSmoke(orchestrated, { rows: 50, events: 4 }, "smoke-20261202T000000Z-0000abcd");
const upload = plan.uploads[1]!;
const where = { table: "t", processedBucket: "processed" };
const executionArn = "arn:aws:states:eu-west-1:1:execution:sm:e1";
/** The program's own state machine (the engine does not change what it records). */
const definition = buildDefinition({
  partition: "aws",
  prefix: "batch/",
  processedBucket: "processed",
  lakeBucket: "lake",
  tableName: "t",
  eventBusName: "bus",
  jobTimeoutSeconds: 600,
  engine: {
    kind: "emr",
    virtualClusterId: "v",
    executionRoleArn: "r",
    releaseLabel: "emr-7.9.0-latest",
    entryPoint: "s3://lake/x.py",
    sparkSubmitParameters: "",
  },
});

/** The item StoreResults writes for `upload` (the definition's own UpdateExpression, as values). */
function succeeded(over: Record<string, string> = {}): ResultsItem {
  return {
    [RESULTS_TABLE_KEY]: { S: upload.key },
    status: { S: "SUCCEEDED" },
    outputBucket: { S: "processed" },
    outputPrefix: { S: upload.results.resultsPrefix },
    executionArn: { S: executionArn },
    totalRows: { N: over.totalRows ?? "50" },
    ...(over.outputPrefix ? { outputPrefix: { S: over.outputPrefix } } : {}),
  };
}

/** A bus event as the announcement rule forwards it to the topic. */
function announced(type: string, detail: Record<string, unknown>): BusEvent {
  return {
    version: "0",
    id: "1",
    "detail-type": type,
    source: "event-pipeline.orchestration",
    account: "1",
    time: "2026-12-02T00:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: { key: upload.key, executionArn, ...detail },
  };
}

describe("the item", () => {
  test("the smoke reads the key and the attributes the state machine's StoreResults writes", () => {
    const store = definition.States.StoreResults as unknown as {
      Parameters: {
        Key: Record<string, { "S.$": string }>;
        UpdateExpression: string;
        ExpressionAttributeValues: Record<string, unknown>;
      };
    };
    // The item's key is the raw object's key, exactly as the event names it.
    expect(store.Parameters.Key).toEqual({ [RESULTS_TABLE_KEY]: { "S.$": "$.object.key" } });
    for (const attribute of ["outputBucket", "outputPrefix", "executionArn", "totalRows"]) {
      expect(store.Parameters.UpdateExpression).toContain(`${attribute} = :${attribute}`);
    }
    expect(METRIC_ATTRIBUTES.totalRows).toBe("total_rows");
    expect(store.Parameters.ExpressionAttributeValues[":status"]).toEqual({ S: "SUCCEEDED" });
  });

  test("passes only SUCCEEDED in the processed bucket under the upload's results prefix, counting the uploaded rows", () => {
    expect(itemStatus(upload, undefined, where)).toEqual({ done: false, detail: "no item" });
    expect(itemStatus(upload, succeeded(), where)).toMatchObject({
      done: true,
      detail: "SUCCEEDED, totalRows 50",
      executionArn,
    });
    expect(itemStatus(upload, succeeded({ totalRows: "49" }), where).failure).toBe(
      `the item of ${upload.key} in t has totalRows 49, expected 50 (execution ${executionArn})`,
    );
    expect(itemStatus(upload, succeeded({ outputPrefix: "x/" }), where).failure).toContain(
      `has outputPrefix "x/", expected "${upload.results.resultsPrefix}"`,
    );
    const running = { ...succeeded(), status: { S: "RUNNING" } };
    expect(itemStatus(upload, running, where)).toMatchObject({ done: false, detail: "RUNNING" });
  });

  test("an item recorded FAILED fails at once with the error and the execution", () => {
    const failed: ResultsItem = {
      [RESULTS_TABLE_KEY]: { S: upload.key },
      status: { S: "FAILED" },
      executionArn: { S: executionArn },
      errorName: { S: "States.TaskFailed" },
      errorCause: { S: '{"Error":"States.TaskFailed","Cause":"job failed"}' },
    };
    const status = itemStatus(upload, failed, where);
    expect(status.done).toBe(false);
    expect(status.failure).toBe(
      `the workflow recorded FAILED for ${upload.key} in t (execution ${executionArn}): ` +
        'States.TaskFailed: {"Error":"States.TaskFailed","Cause":"job failed"}',
    );
  });

  test("a missing table fails at once; any other read error is looked at again", () => {
    const missing = Object.assign(new Error("Requested resource not found"), {
      name: "ResourceNotFoundException",
    });
    expect(itemReadFailure(missing, "t")?.failure).toMatch(
      /^the results table t does not exist \(DynamoDB: Requested resource not found\)/,
    );
    expect(itemReadFailure(new Error("socket hang up"), "t")).toBeUndefined();
  });
});

describe("the notification", () => {
  test("the smoke matches on the key, metrics and output prefix the state machine announces", () => {
    const announce = definition.States.AnnounceProcessed as unknown as {
      Parameters: { Entries: { DetailType: string; Detail: Record<string, unknown> }[] };
    };
    const entry = announce.Parameters.Entries[0];
    expect(entry?.DetailType).toBe(DETAIL_TYPES.processed);
    expect(entry?.Detail).toMatchObject({
      "key.$": "$.object.key",
      "outputPrefix.$": "$.object.outputPrefix",
      "metrics.$": "$.result.metrics",
      "executionArn.$": "$$.Execution.Id",
    });
  });

  const processed = (rows: number) =>
    announced(DETAIL_TYPES.processed, {
      outputPrefix: upload.results.resultsPrefix,
      metrics: { total_rows: rows },
    });

  test("passes on InputDataProcessed for the upload's key with metrics counting its rows; others' are ignored", () => {
    const other = { ...processed(50), detail: { ...processed(50).detail, key: "batch/x.csv" } };
    expect(notificationStatus(upload, [other], "topic")).toEqual({
      done: false,
      detail: "0 for this upload, 1 other",
      executionArn: undefined,
    });
    expect(notificationStatus(upload, [other, processed(50)], "topic")).toMatchObject({
      done: true,
      detail: "InputDataProcessed, total_rows 50",
    });
    expect(notificationStatus(upload, [processed(7)], "topic").failure).toBe(
      `the InputDataProcessed notification of ${upload.key} counts total_rows 7, the upload has 50 rows`,
    );
  });

  test("InputDataProcessingFailed fails at once with the error and the execution", () => {
    const failed = announced(DETAIL_TYPES.failed, {
      error: { Error: "DynamoDB.ResourceNotFoundException", Cause: "gone" },
    });
    expect(notificationStatus(upload, [failed], "topic").failure).toBe(
      `the topic topic notified InputDataProcessingFailed for ${upload.key} (execution ` +
        `${executionArn}): {"Error":"DynamoDB.ResourceNotFoundException","Cause":"gone"}`,
    );
  });
});

describe("endpoints", () => {
  test("a service's own AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL, and both can be ignored", () => {
    const env = { AWS_ENDPOINT_URL: "http://all", AWS_ENDPOINT_URL_DYNAMODB: "http://ddb" };
    expect(endpointFor(env, "DYNAMODB")).toBe("http://ddb");
    expect(endpointFor(env, "SNS")).toBe("http://all");
    expect(endpointFor({}, "S3")).toBeUndefined();
    expect(
      endpointFor({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, "DYNAMODB"),
    ).toBeUndefined();
  });
});

describe("the temporary subscriber", () => {
  test("only the topic, through SNS, may send to the queue", () => {
    expect(JSON.parse(notificationQueuePolicy("arn:q", "arn:t"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OnlyTheNotificationTopic",
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: "arn:q",
          Condition: { ArnEquals: { "aws:SourceArn": "arn:t" } },
        },
      ],
    });
  });

  const endpoint = process.env.FAUXQS_ENDPOINT ?? "";
  const config = {
    region: "eu-west-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  const sns = new SNSClient(config);
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  afterAll(() => {
    sns.destroy();
    sqs.destroy();
  });

  test("receives what the topic publishes, and leaves neither queue nor subscription behind", async () => {
    const runId = `smoke-test-${randomBytes(4).toString("hex")}`;
    const topic = await sns.send(new CreateTopicCommand({ Name: `${runId}-topic` }));
    const topicArn = topic.TopicArn ?? "";
    const seen: { queueArn: string; subscribed: boolean }[] = [];
    const queue = await openNotificationQueue({ sns, sqs }, topicArn, runId, (q) =>
      seen.push({ queueArn: q.queueArn, subscribed: q.subscriptionArn !== undefined }),
    );
    // The queue is known right after CreateQueue (before its ARN is read), so any failure after
    // it still leaves it to be removed; then with its ARN, and with its subscription.
    expect(seen).toEqual([
      { queueArn: "", subscribed: false },
      { queueArn: queue.queueArn, subscribed: false },
      { queueArn: queue.queueArn, subscribed: true },
    ]);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.queueUrl,
        AttributeNames: ["SqsManagedSseEnabled"],
      }),
    );
    expect(attributes.Attributes?.SqsManagedSseEnabled).toBe("true");
    expect(queue.queueUrl).toMatch(new RegExp(`${runId}-notifications$`));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ["Policy"] }),
    );
    expect(JSON.parse(attrs.Attributes?.Policy ?? "{}")).toEqual(
      JSON.parse(notificationQueuePolicy(queue.queueArn, topicArn)),
    );
    const event = announced(DETAIL_TYPES.processed, {});
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(event) }));
    let got: BusEvent[] = [];
    for (let i = 0; i < 50 && got.length === 0; i++) {
      got = await drainNotifications(sqs, queue.queueUrl);
      if (got.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(got).toEqual([event]);
    expect(await closeNotificationQueue({ sns, sqs }, queue)).toEqual([]);
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions ?? []).toEqual([]);
    const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: runId }));
    expect(queues.QueueUrls ?? []).toEqual([]);
  });
});

describe("budgets", () => {
  test("the item and the notification wait on the workflow job timeout and the hops around it", () => {
    const base = smokeBudgets(orchestrated);
    const slower = smokeBudgets(
      parseSettings({
        region: "eu-west-1",
        orchestration: {
          enabled: true,
          jobTimeoutSeconds: orchestrated.orchestration.jobTimeoutSeconds + 600,
        },
      }),
    );
    expect(slower.item.seconds - base.item.seconds).toBe(600);
    expect(slower.notification.seconds - base.notification.seconds).toBe(600);
    expect(base.item.seconds).toBeGreaterThan(base.workflow.seconds);
    expect(base.notification.seconds).toBeGreaterThan(base.item.seconds);
    expect(base.notification.because).toContain("bus rule and topic delivery 30 s");
  });
});

describe("report", () => {
  const outputs = {
    ...localStackOutputs("orchestrated", orchestrated),
    ...workflowOutputs(
      {
        stateMachineArn: "arn:aws:states:eu-west-1:1:stateMachine:sm",
        tableName: "t",
        eventBusName: "bus",
      },
      "arn:aws:sns:eu-west-1:1:topic",
    ),
  } satisfies PipelineOutputs;
  const depths: QueueDepths = {
    preprocess: undefined,
    preprocessDlq: undefined,
    events: undefined,
    eventsDlq: undefined,
    rulesDlq: { visible: 1, inFlight: 0 },
  };
  const step = (over: Partial<StepResult>): StepResult => ({
    kind: "item",
    name: "workflow item (batch/)",
    where: `the results table t, item objectKey = ${upload.key}`,
    budget: { seconds: 100, because: "..." },
    status: { done: false, detail: "no item" },
    latencySeconds: undefined,
    timedOut: true,
    subject: upload.key,
    ...over,
  });

  test("local mode's orchestration outputs complete the contract of an orchestrated stack", () => {
    expect(outputsProblems(outputs, true)).toEqual([]);
  });

  test("a missing item points at the executions, the item, the rules' DLQ and the upload rule", () => {
    const text = finalReport([step({})], outputs, "eu-west-1", depths);
    expect(text).toContain(`  expected in the results table t, item objectKey = ${upload.key}\n`);
    expect(text).toContain(
      "aws stepfunctions list-executions --state-machine-arn arn:aws:states:eu-west-1:1:stateMachine:sm --region eu-west-1",
    );
    expect(text).toContain(
      `aws dynamodb get-item --table-name t --key '{"objectKey":{"S":"${upload.key}"}}' --region eu-west-1`,
    );
    expect(text).toContain(
      "rules DLQ event-pipeline-orchestrated-batch-rules-dlq: 1 visible, 0 in flight",
    );
    expect(text).toContain(
      "aws events describe-rule --name event-pipeline-orchestrated-batch-uploads",
    );
  });

  test("a missing notification points at its execution's history, the bus's rules and the topic's subscriptions", () => {
    const text = finalReport(
      [
        step({
          kind: "notification",
          name: "workflow notification (batch/)",
          status: { done: false, detail: "0 for this upload", executionArn },
        }),
      ],
      outputs,
      "eu-west-1",
      depths,
    );
    expect(text).toContain(
      `aws stepfunctions get-execution-history --execution-arn ${executionArn} --region eu-west-1`,
    );
    expect(text).toContain("aws events list-rules --event-bus-name bus --region eu-west-1");
    expect(text).toContain(
      "aws sns list-subscriptions-by-topic --topic-arn arn:aws:sns:eu-west-1:1:topic --region eu-west-1",
    );
  });

  test("the rules' DLQ and upload rule are the program's names of the outputs' stack, or unknown", () => {
    expect(workflowPlaces({ clusterName: "event-pipeline-e2e-12-1" })).toEqual({
      rulesDlqName: "event-pipeline-e2e-12-1-batch-rules-dlq",
      uploadRuleName: "event-pipeline-e2e-12-1-batch-uploads",
    });
    expect(workflowPlaces({ clusterName: "someone-else" })).toBeUndefined();
  });
});

describe("local mode serving the workflow", () => {
  test("clients learn DynamoDB's own endpoint only when the workflow runs", () => {
    expect(servedEnvironment("http://e", "eu-west-1", undefined)).not.toHaveProperty(
      "AWS_ENDPOINT_URL_DYNAMODB",
    );
    expect(servedEnvironment("http://e", "eu-west-1", "http://d")).toMatchObject({
      AWS_ENDPOINT_URL: "http://e",
      AWS_ENDPOINT_URL_DYNAMODB: "http://d",
    });
  });

  test("EventBridge's stand-in hands on every new or overwritten object under the prefix", () => {
    const all = () => true;
    const first = newUploads(new Map(), [{ key: "batch/a.txt", eTag: "1", size: 1 }], all);
    expect(first.created.map((o) => o.key)).toEqual(["batch/a.txt"]);
    expect(
      newUploads(first.known, [{ key: "batch/a.txt", eTag: "1", size: 1 }], all).created,
    ).toEqual([]);
    expect(
      newUploads(first.known, [{ key: "batch/a.txt", eTag: "2", size: 1 }], all).created.length,
    ).toBe(1);
  });
});
