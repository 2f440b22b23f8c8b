/**
 * The local cloud: an embedded fauxqs S3/SQS emulator on 127.0.0.1 (a free port) and the stack's
 * buckets and queues created in it through the ordinary AWS APIs, named and configured as the
 * stack's (infra/queues.ts, infra/storage.ts): every main queue has a DLQ and a redrive policy
 * with the stack's maxReceiveCount.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  QueueAttributeName,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { PhysicalNames } from "../config";
import type { Settings } from "../config";

/** The account id the emulator (fauxqs) puts in its own ARNs and queue URLs: every local ARN uses it. */
export const EMULATOR_ACCOUNT = "000000000000";

/** Fixed credentials for the emulator (it accepts any; the SDK insists on some). */
export const EMULATOR_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL for every client and child process. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts fauxqs (ESM-only, hence the dynamic import) bound to 127.0.0.1 on a free port. */
export async function startEmulator(region: string): Promise<Emulator> {
  const { buildApp } = await import("fauxqs");
  const app = buildApp({ logger: false, host: "127.0.0.1", defaultRegion: region });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") {
    await app.close();
    throw new Error("the emulator did not report a TCP port");
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await app.close();
    },
  };
}

/** S3 and SQS clients for `endpoint`, configured as the processor configures them for an emulator. */
export function emulatorClients(
  endpoint: string,
  region: string,
): { s3: S3Client; sqs: SQSClient } {
  return {
    s3: new S3Client({
      region,
      endpoint,
      forcePathStyle: true,
      credentials: EMULATOR_CREDENTIALS,
    }),
    sqs: new SQSClient({
      region,
      endpoint,
      useQueueUrlAsEndpoint: false,
      credentials: EMULATOR_CREDENTIALS,
    }),
  };
}

/** The environment every child process gets to reach the emulator. */
export function emulatorEnvironment(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  };
}

/** The created resources. */
export interface LocalResources {
  readonly rawBucket: string;
  readonly processedBucket: string;
  readonly eventsBucket: string;
  readonly preprocessQueueUrl: string;
  readonly preprocessDlqUrl: string;
  readonly eventsQueueUrl: string;
  readonly eventsDlqUrl: string;
}

/** Longest retention SQS allows; DLQs keep messages as long as possible for inspection. */
const DLQ_RETENTION_SECONDS = 1209600;

/** The attributes of a main queue and its DLQ, from the stack's settings (`timeScale` shortens). */
export function queueAttributes(
  settings: Settings,
  queue: "preprocess" | "events",
  timeScale: number,
): { main: Record<string, string>; dlq: Record<string, string> } {
  const visibility =
    queue === "preprocess"
      ? settings.queues.preprocessVisibilityTimeoutSeconds
      : settings.queues.eventsVisibilityTimeoutSeconds;
  return {
    main: {
      VisibilityTimeout: String(Math.max(1, Math.ceil(visibility * timeScale))),
      MessageRetentionPeriod: String(settings.queues.messageRetentionSeconds),
      ReceiveMessageWaitTimeSeconds: "20",
      SqsManagedSseEnabled: "true",
    },
    dlq: {
      MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
      SqsManagedSseEnabled: "true",
    },
  };
}

/** Creates the stack's buckets and queues (DLQ first, then the queue that redrives into it). */
export async function createResources(
  clients: { s3: S3Client; sqs: SQSClient },
  names: PhysicalNames,
  settings: Settings,
  timeScale: number,
): Promise<LocalResources> {
  for (const bucket of [names.rawBucket, names.processedBucket, names.eventsBucket]) {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  const pair = async (queue: "preprocess" | "events", name: string, dlqName: string) => {
    const attributes = queueAttributes(settings, queue, timeScale);
    const dlq = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: dlqName, Attributes: attributes.dlq }),
    );
    if (!dlq.QueueUrl) throw new Error(`CreateQueue ${dlqName} returned no URL`);
    const arn = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: dlq.QueueUrl,
        AttributeNames: [QueueAttributeName.QueueArn],
      }),
    );
    const dlqArn = arn.Attributes?.QueueArn;
    if (!dlqArn) throw new Error(`GetQueueAttributes ${dlqName} returned no ARN`);
    const main = await clients.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          ...attributes.main,
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: settings.queues.maxReceiveCount,
          }),
        },
      }),
    );
    if (!main.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
    return { url: main.QueueUrl, dlqUrl: dlq.QueueUrl };
  };
  const preprocess = await pair("preprocess", names.preprocessQueue, names.preprocessDlq);
  const events = await pair("events", names.eventsQueue, names.eventsDlq);
  return {
    rawBucket: names.rawBucket,
    processedBucket: names.processedBucket,
    eventsBucket: names.eventsBucket,
    preprocessQueueUrl: preprocess.url,
    preprocessDlqUrl: preprocess.dlqUrl,
    eventsQueueUrl: events.url,
    eventsDlqUrl: events.dlqUrl,
  };
}

/** Reads a queue's depth (visible and in-flight), as KEDA's aws-sqs scaler does. */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        QueueAttributeName.ApproximateNumberOfMessages,
        QueueAttributeName.ApproximateNumberOfMessagesNotVisible,
      ],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
