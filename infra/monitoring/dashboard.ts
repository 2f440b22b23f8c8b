/**
 * The CloudWatch dashboard body, built as data from the stack's own names. Pure.
 * Body format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
import { KEYS } from "@pipeline/processor/contract";
import type { WatchedQueues } from "./alarms";

/** Names the dashboard refers to. */
export interface DashboardNames {
  readonly region: string;
  readonly queues: WatchedQueues;
  readonly processedBucket: string;
  readonly eventsBucket: string;
  /** Filter id of the S3 request metrics on `output/` of the processed bucket. */
  readonly outputFilterId: string;
  /** Filter id of the S3 request metrics on `events/` of the events bucket. */
  readonly eventsFilterId: string;
  /** Alarm names shown in an alarm status widget. */
  readonly alarmArns: readonly string[];
}

type Metric = (string | { stat?: string; label?: string })[];

interface Widget {
  type: "metric" | "alarm" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const WIDTH = 12;
const HEIGHT = 6;

function sqs(metricName: string, queue: string, stat: string, label?: string): Metric {
  return ["AWS/SQS", metricName, "QueueName", queue, { stat, ...(label ? { label } : {}) }];
}

/** Builds the dashboard body (an object; serialize with JSON.stringify). */
export function dashboardBody(n: DashboardNames): { widgets: Widget[] } {
  const { preprocess, preprocessDlq, events, eventsDlq } = n.queues;
  const metricWidget = (title: string, metrics: Metric[], stacked = false) => ({
    type: "metric" as const,
    properties: { title, region: n.region, view: "timeSeries", stacked, period: 60, metrics },
  });
  const panels = [
    metricWidget("Queue depth (visible / in flight)", [
      sqs("ApproximateNumberOfMessagesVisible", preprocess, "Maximum", "preprocess visible"),
      sqs("ApproximateNumberOfMessagesNotVisible", preprocess, "Maximum", "preprocess in flight"),
      sqs("ApproximateNumberOfMessagesVisible", events, "Maximum", "events visible"),
      sqs("ApproximateNumberOfMessagesNotVisible", events, "Maximum", "events in flight"),
    ]),
    metricWidget("Age of oldest message (s)", [
      sqs("ApproximateAgeOfOldestMessage", preprocess, "Maximum", "preprocess"),
      sqs("ApproximateAgeOfOldestMessage", events, "Maximum", "events"),
    ]),
    metricWidget("Dead-letter queues", [
      sqs("ApproximateNumberOfMessagesVisible", preprocessDlq, "Maximum", "preprocess DLQ"),
      sqs("ApproximateNumberOfMessagesVisible", eventsDlq, "Maximum", "events DLQ"),
    ]),
    metricWidget("Preprocess messages sent / received / deleted", [
      sqs("NumberOfMessagesSent", preprocess, "Sum", "sent"),
      sqs("NumberOfMessagesReceived", preprocess, "Sum", "received"),
      sqs("NumberOfMessagesDeleted", preprocess, "Sum", "deleted"),
    ]),
    metricWidget("Events messages sent / received / deleted", [
      sqs("NumberOfMessagesSent", events, "Sum", "sent"),
      sqs("NumberOfMessagesReceived", events, "Sum", "received"),
      sqs("NumberOfMessagesDeleted", events, "Sum", "deleted"),
    ]),
    metricWidget("Objects written (S3 PUTs)", [
      [
        "AWS/S3",
        "PutRequests",
        "BucketName",
        n.processedBucket,
        "FilterId",
        n.outputFilterId,
        { stat: "Sum", label: `${KEYS.outputPrefix} (processed files)` },
      ],
      [
        "AWS/S3",
        "PutRequests",
        "BucketName",
        n.eventsBucket,
        "FilterId",
        n.eventsFilterId,
        { stat: "Sum", label: `${KEYS.eventsPrefix} (event batches)` },
      ],
    ]),
  ];
  const widgets: Widget[] = [
    {
      type: "alarm",
      x: 0,
      y: 0,
      width: 24,
      height: 3,
      properties: { title: "Pipeline alarms", alarms: [...n.alarmArns] },
    },
  ];
  panels.forEach((panel, i) => {
    widgets.push({
      ...panel,
      x: (i % 2) * WIDTH,
      y: 3 + Math.floor(i / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
    });
  });
  return { widgets };
}
