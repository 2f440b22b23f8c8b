/**
 * The queues: preprocess (fed by the raw bucket's notifications) and events (fed by the producer),
 * each with a dead-letter queue, SQS-managed encryption and TLS-only policies; and the raw bucket's
 * notification that turns an uploaded `input/*.csv` or `input/*.csv.gz` into a preprocess message.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KEYS, UPLOAD_SUFFIXES } from "@pipeline/processor/contract";
import { physicalNames } from "../config";
import {
  denyInsecureTransport,
  policyDocument,
  type Arn,
  type PolicyDocument,
} from "./iam/documents";
import type { Settings } from "../config";

/** The longest SQS keeps a message (14 days): dead letters wait that long for a human. */
export const DLQ_RETENTION_SECONDS = 1209600;
/** Long polling: receivers wait up to 20 s for a message instead of polling empty queues. */
export const RECEIVE_WAIT_SECONDS = 20;
/** The S3 event that starts preprocessing. */
export const OBJECT_CREATED = "s3:ObjectCreated:*";

export interface QueuesArgs {
  /** Queue settings (visibility timeouts, retention, redrive). */
  readonly queues: Settings["queues"];
  /** Pulumi project and stack, for the queue names. */
  readonly project: string;
  readonly stack: string;
  /** The raw bucket whose uploads feed the preprocess queue. */
  readonly rawBucket: {
    readonly bucket: aws.s3.Bucket;
    readonly arn: pulumi.Input<string>;
    readonly policy?: aws.s3.BucketPolicy;
  };
  /** Also send the raw bucket's events to EventBridge (the orchestrated path needs them). */
  readonly eventBridge: boolean;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/** The redrive policy of a main queue. */
export function redrivePolicy(dlqArn: string, maxReceiveCount: number): string {
  return JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount });
}

/** The policy of the preprocess queue: only the raw bucket of this account may send, TLS only. */
export function preprocessQueuePolicy(args: {
  readonly queueArn: Arn;
  readonly rawBucketArn: Arn;
  readonly accountId: Arn;
}): PolicyDocument {
  return policyDocument(
    {
      Sid: "AllowRawBucketNotifications",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: args.queueArn,
      Condition: {
        ArnEquals: { "aws:SourceArn": args.rawBucketArn },
        StringEquals: { "aws:SourceAccount": args.accountId },
      },
    },
    denyInsecureTransport("sqs", [args.queueArn]),
  );
}

/** The policy of every other queue: TLS only (IAM grants the rest). */
export function tlsOnlyQueuePolicy(queueArn: Arn): PolicyDocument {
  return policyDocument(denyInsecureTransport("sqs", [queueArn]));
}

/**
 * The id of the notification configuration for one upload suffix: `.csv` → `preprocess-csv-uploads`
 * (the id deployed stacks already have), `.csv.gz` → `preprocess-csv-gz-uploads`.
 */
export function notificationIdFor(suffix: string): string {
  return `preprocess-${suffix.slice(1).replace(/\./g, "-")}-uploads`;
}

/**
 * The raw bucket's notification: creations under `input/` with each upload suffix (`.csv`,
 * `.csv.gz`) to the preprocess queue. One configuration per suffix, because a filter holds one
 * suffix rule; S3 refuses configurations whose filters can match the same key for the same event
 * type, and these cannot, since no key ends with both suffixes
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html).
 */
export function rawNotificationArgs(
  bucket: pulumi.Input<string>,
  preprocessQueueArn: pulumi.Input<string>,
  eventBridge: boolean,
): aws.s3.BucketNotificationArgs {
  return {
    bucket,
    eventbridge: eventBridge,
    queues: [...UPLOAD_SUFFIXES]
      .sort((a, b) => a.length - b.length)
      .map((suffix) => ({
        id: notificationIdFor(suffix),
        queueArn: preprocessQueueArn,
        events: [OBJECT_CREATED],
        filterPrefix: KEYS.inputPrefix,
        filterSuffix: suffix,
      })),
  };
}

/** A queue and its dead-letter queue. */
export interface QueuePair {
  readonly queue: aws.sqs.Queue;
  readonly dlq: aws.sqs.Queue;
}

/** The preprocess and events queues with their DLQs, and the raw bucket's notification. */
export class Queues extends pulumi.ComponentResource {
  public readonly preprocess: QueuePair;
  public readonly events: QueuePair;
  public readonly rawNotification: aws.s3.BucketNotification;
  public readonly preprocessQueueUrl: pulumi.Output<string>;
  public readonly preprocessDlqUrl: pulumi.Output<string>;
  public readonly eventsQueueUrl: pulumi.Output<string>;
  public readonly eventsDlqUrl: pulumi.Output<string>;

  constructor(name: string, args: QueuesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Queues", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const names = physicalNames(args.project, args.stack);
    const q = args.queues;
    const account = aws.getCallerIdentityOutput({}, self).accountId;

    const pair = (
      key: "preprocess" | "events",
      queueName: string,
      dlqName: string,
      visibilityTimeoutSeconds: number,
    ): QueuePair => {
      const dlq = new aws.sqs.Queue(
        `${name}-${key}-dlq`,
        {
          name: dlqName,
          messageRetentionSeconds: DLQ_RETENTION_SECONDS,
          sqsManagedSseEnabled: true,
          tags,
        },
        self,
      );
      const queue = new aws.sqs.Queue(
        `${name}-${key}`,
        {
          name: queueName,
          visibilityTimeoutSeconds,
          messageRetentionSeconds: q.messageRetentionSeconds,
          receiveWaitTimeSeconds: RECEIVE_WAIT_SECONDS,
          sqsManagedSseEnabled: true,
          redrivePolicy: dlq.arn.apply((arn) => redrivePolicy(arn, q.maxReceiveCount)),
          tags,
        },
        self,
      );
      // Only the own main queue may move messages into (and back out of) the DLQ.
      new aws.sqs.RedriveAllowPolicy(
        `${name}-${key}-dlq`,
        {
          queueUrl: dlq.url,
          redriveAllowPolicy: pulumi.jsonStringify({
            redrivePermission: "byQueue",
            sourceQueueArns: [queue.arn],
          }),
        },
        self,
      );
      new aws.sqs.QueuePolicy(
        `${name}-${key}-dlq`,
        { queueUrl: dlq.url, policy: pulumi.jsonStringify(tlsOnlyQueuePolicy(dlq.arn)) },
        self,
      );
      return { queue, dlq };
    };

    this.preprocess = pair(
      "preprocess",
      names.preprocessQueue,
      names.preprocessDlq,
      q.preprocessVisibilityTimeoutSeconds,
    );
    this.events = pair(
      "events",
      names.eventsQueue,
      names.eventsDlq,
      q.eventsVisibilityTimeoutSeconds,
    );

    const preprocessPolicy = new aws.sqs.QueuePolicy(
      `${name}-preprocess`,
      {
        queueUrl: this.preprocess.queue.url,
        policy: pulumi.jsonStringify(
          preprocessQueuePolicy({
            queueArn: this.preprocess.queue.arn,
            rawBucketArn: args.rawBucket.arn,
            accountId: account,
          }),
        ),
      },
      self,
    );
    new aws.sqs.QueuePolicy(
      `${name}-events`,
      {
        queueUrl: this.events.queue.url,
        policy: pulumi.jsonStringify(tlsOnlyQueuePolicy(this.events.queue.arn)),
      },
      self,
    );

    // S3 validates the destination when the notification is written: the policy must exist first.
    this.rawNotification = new aws.s3.BucketNotification(
      `${name}-raw-notification`,
      rawNotificationArgs(args.rawBucket.bucket.id, this.preprocess.queue.arn, args.eventBridge),
      {
        ...self,
        dependsOn: [preprocessPolicy, ...(args.rawBucket.policy ? [args.rawBucket.policy] : [])],
      },
    );

    this.preprocessQueueUrl = this.preprocess.queue.url;
    this.preprocessDlqUrl = this.preprocess.dlq.url;
    this.eventsQueueUrl = this.events.queue.url;
    this.eventsDlqUrl = this.events.dlq.url;
    this.registerOutputs({
      preprocessQueueUrl: this.preprocessQueueUrl,
      preprocessDlqUrl: this.preprocessDlqUrl,
      eventsQueueUrl: this.eventsQueueUrl,
      eventsDlqUrl: this.eventsDlqUrl,
    });
  }
}
