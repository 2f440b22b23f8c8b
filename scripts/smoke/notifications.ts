/**
 * The smoke test's own subscriber of the notification topic: a temporary SQS queue that only the
 * topic may send to (a queue policy for sns.amazonaws.com with `aws:SourceArn` the topic), and its
 * SQS subscription, made before the upload and removed after the run — on failure and Ctrl-C too —
 * unless `--keep`. The topic carries the bus events EventBridge forwards (the whole event as JSON,
 * no input transformer), so the subscription keeps SNS's JSON envelope (no raw delivery) and the
 * event is its `Message` (local/workflow/collect.ts `drainNotifications` reads them).
 * https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
 */
import { SubscribeCommand, UnsubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** The queue and the subscription a run made. */
export interface NotificationQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Undefined when Subscribe failed after the queue was made. */
  readonly subscriptionArn: string | undefined;
}

/** The name of a run's queue (`<run id>-notifications`: 45 characters, SQS allows 80). */
export function notificationQueueName(runId: string): string {
  return `${runId}-notifications`;
}

/** The queue policy: only `topicArn`, through SNS, may send to `queueArn`. Pure. */
export function notificationQueuePolicy(queueArn: string, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyTheNotificationTopic",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  });
}

/** One hour: a queue a killed run could not remove holds its few messages no longer. */
const RETENTION_SECONDS = 3600;

/**
 * Creates the run's queue with its policy and subscribes it to `topicArn`; `onQueue` learns the
 * queue as soon as it exists (and again with its ARN and subscription), so a failed call after
 * CreateQueue still leaves it to be removed.
 */
export async function openNotificationQueue(
  clients: { readonly sqs: SQSClient; readonly sns: SNSClient },
  topicArn: string,
  runId: string,
  onQueue: (queue: NotificationQueue) => void,
): Promise<NotificationQueue> {
  const created = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: notificationQueueName(runId),
      // SSE-SQS: encrypted at rest, and SNS may send to it without a KMS key policy.
      Attributes: {
        MessageRetentionPeriod: String(RETENTION_SECONDS),
        SqsManagedSseEnabled: "true",
      },
    }),
  );
  const queueUrl = created.QueueUrl;
  if (!queueUrl) throw new Error("CreateQueue returned no queue URL");
  // Known before any further call can fail, so it is deleted whatever happens next.
  onQueue({ queueUrl, queueArn: "", subscriptionArn: undefined });
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queueArn = attrs.Attributes?.QueueArn;
  if (!queueArn) throw new Error(`GetQueueAttributes of ${queueUrl} returned no QueueArn`);
  onQueue({ queueUrl, queueArn, subscriptionArn: undefined });
  await clients.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { Policy: notificationQueuePolicy(queueArn, topicArn) },
    }),
  );
  const sub = await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queueArn,
      ReturnSubscriptionArn: true,
    }),
  );
  const queue = { queueUrl, queueArn, subscriptionArn: sub.SubscriptionArn };
  onQueue(queue);
  return queue;
}

/** Unsubscribes and deletes the queue; resolves to what could not be removed. */
export async function closeNotificationQueue(
  clients: { readonly sqs: SQSClient; readonly sns: SNSClient },
  queue: NotificationQueue,
): Promise<string[]> {
  const failures: string[] = [];
  if (queue.subscriptionArn?.startsWith("arn:")) {
    try {
      await clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: queue.subscriptionArn }));
    } catch (err) {
      failures.push(`subscription ${queue.subscriptionArn}: ${(err as Error).message}`);
    }
  }
  try {
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
  } catch (err) {
    failures.push(`queue ${queue.queueUrl}: ${(err as Error).message}`);
  }
  return failures;
}
