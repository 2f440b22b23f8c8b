/**
 * The workflow's services beside the emulator: DynamoDB as dynalite (a DynamoDB implementation on
 * LevelDB, here in memory, in this process, on 127.0.0.1 and a free port) with the results table
 * created as infra/orchestration creates it, the lake bucket, and the notification topic on the
 * emulator's SNS with an SQS queue subscribed in place of the e-mail subscribers.
 */
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import { EMULATOR_CREDENTIALS } from "../emulator";
import type { WorkflowStack } from "./stack";

/** A running dynalite server. */
export interface Dynamo {
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface DynaliteServer {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo | string | null;
  close(cb: () => void): void;
  on(event: "error", cb: (err: Error) => void): void;
}

/** Starts dynalite in memory on 127.0.0.1 on a free port (tables become ACTIVE at once). */
export async function startDynamo(): Promise<Dynamo> {
  // dynalite ships no types; its factory returns an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (options: Record<string, number>) => DynaliteServer;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("dynalite has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Clients of the workflow's services. */
export interface WorkflowClients {
  readonly dynamo: DynamoDBClient;
  readonly sns: SNSClient;
}

/** A DynamoDB client for dynalite and an SNS client for the emulator. */
export function workflowClients(
  dynamoEndpoint: string,
  emulatorEndpoint: string,
  region: string,
): WorkflowClients {
  return {
    dynamo: new DynamoDBClient({
      region,
      endpoint: dynamoEndpoint,
      credentials: EMULATOR_CREDENTIALS,
    }),
    sns: new SNSClient({ region, endpoint: emulatorEndpoint, credentials: EMULATOR_CREDENTIALS }),
  };
}

/** What {@link createWorkflowResources} made. */
export interface WorkflowResources {
  readonly topicArn: string;
  /** The queue subscribed to the topic: what the e-mail subscribers would receive. */
  readonly notificationQueueUrl: string;
}

/**
 * Creates the results table (on-demand, hash key {@link RESULTS_TABLE_KEY} of type S, as
 * infra/orchestration/index.ts defines it), the lake bucket, the topic and its SQS subscription.
 */
export async function createWorkflowResources(
  w: WorkflowStack,
  clients: WorkflowClients & { readonly s3: S3Client; readonly sqs: SQSClient },
): Promise<WorkflowResources> {
  await clients.dynamo.send(
    new CreateTableCommand({
      TableName: w.tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: RESULTS_TABLE_KEY, AttributeType: "S" }],
      KeySchema: [{ AttributeName: RESULTS_TABLE_KEY, KeyType: "HASH" }],
    }),
  );
  await clients.s3.send(new CreateBucketCommand({ Bucket: w.lakeBucket }));
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: w.topicName }));
  if (!topic.TopicArn) throw new Error(`CreateTopic ${w.topicName} returned no ARN`);
  const queue = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: `${w.topicName}-subscriber` }),
  );
  if (!queue.QueueUrl) throw new Error("CreateQueue of the subscriber returned no URL");
  const attributes = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn,
      Protocol: "sqs",
      Endpoint: attributes.Attributes?.QueueArn,
    }),
  );
  return { topicArn: topic.TopicArn, notificationQueueUrl: queue.QueueUrl };
}
