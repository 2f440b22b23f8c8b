/**
 * The pipeline's CloudWatch alarms as plain data: which metric, which threshold, how missing data is
 * treated and why. Pure, so the rules are tested without the Pulumi engine; the Monitoring component
 * turns each spec into an `aws.cloudwatch.MetricAlarm`.
 */
import type { Settings } from "../../config";

/** How an alarm treats periods without data points. */
export type MissingData = "missing" | "ignore" | "breaching" | "notBreaching";

/** One metric of an alarm or of a metric-math expression. */
export interface MetricRef {
  readonly id: string;
  readonly metricName: string;
  readonly stat: "Maximum" | "Sum" | "Average";
  readonly queueName: string;
}

/** An alarm, independent of the Pulumi engine. */
export interface AlarmSpec {
  /** Stable key, also the child resource name suffix. */
  readonly key: string;
  readonly description: string;
  /** A single SQS metric, or metric math over several (`expression` set). */
  readonly metrics: readonly MetricRef[];
  readonly expression?: string;
  readonly comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
}

/** The queue names the alarms watch. */
export interface WatchedQueues {
  readonly preprocess: string;
  readonly preprocessDlq: string;
  readonly events: string;
  readonly eventsDlq: string;
}

/**
 * Age of the oldest preprocess message that means files are not being processed: one whole visibility
 * timeout (an attempt that timed out or failed) plus one expected run of the retry.
 */
export function preprocessAgeThresholdSeconds(s: Settings): number {
  return s.queues.preprocessVisibilityTimeoutSeconds + s.queues.preprocessExpectedSeconds;
}

/**
 * Age of the oldest event that means consumers fall behind: a batch may hold a message for its
 * maximum age, and one lost attempt costs a visibility timeout.
 */
export function eventsAgeThresholdSeconds(s: Settings): number {
  return s.queues.eventsVisibilityTimeoutSeconds + s.workloads.consumerBatchMaxAgeSeconds;
}

/** A DLQ alarm: its first visible message within one period. */
export function dlqAlarmSpec(s: Settings, key: string, dlq: string, source: string): AlarmSpec {
  return {
    key,
    description: `Messages reached ${dlq}: ${source} gave up on them after their maximum receives. Inspect them, fix the cause, then redrive.`,
    metrics: [
      {
        id: "m1",
        metricName: "ApproximateNumberOfMessagesVisible",
        stat: "Maximum",
        queueName: dlq,
      },
    ],
    comparison: "GreaterThanThreshold",
    threshold: 0,
    periodSeconds: s.monitoring.periodSeconds,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // SQS stops publishing metrics for a queue that has been empty and idle for hours: no data means
    // an empty DLQ, which is the healthy state.
    treatMissingData: "notBreaching",
  };
}

/** Every alarm the pipeline needs, for one stack's settings. */
export function alarmSpecs(s: Settings, q: WatchedQueues): AlarmSpec[] {
  const period = s.monitoring.periodSeconds;
  const single = (id: string, metricName: string, stat: MetricRef["stat"], queueName: string) => [
    { id, metricName, stat, queueName },
  ];
  const ageAlarm = (
    key: string,
    queue: string,
    thresholdSeconds: number,
    why: string,
  ): AlarmSpec => ({
    key,
    description: `The oldest message in ${queue} is older than ${thresholdSeconds}s: ${why}`,
    metrics: single("m1", "ApproximateAgeOfOldestMessage", "Maximum", queue),
    comparison: "GreaterThanThreshold",
    threshold: thresholdSeconds,
    periodSeconds: period,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    // An idle queue publishes no age: nothing is waiting, so nothing is late.
    treatMissingData: "notBreaching",
  });
  return [
    dlqAlarmSpec(s, "preprocess-dlq-messages", q.preprocessDlq, "preprocess jobs"),
    dlqAlarmSpec(s, "events-dlq-messages", q.eventsDlq, "event consumers"),
    ageAlarm(
      "preprocess-oldest-message",
      q.preprocess,
      preprocessAgeThresholdSeconds(s),
      "uploaded files wait longer than a failed attempt plus a retry; check the ScaledJob and job logs.",
    ),
    ageAlarm(
      "events-oldest-message",
      q.events,
      eventsAgeThresholdSeconds(s),
      "events wait longer than a batch plus a lost attempt; check the consumer Deployment and its ScaledObject.",
    ),
    {
      key: "preprocess-stalled",
      description: `Files are waiting in ${q.preprocess} but none was finished for ${s.monitoring.stallPeriods} periods: jobs are not starting or not succeeding.`,
      metrics: [
        {
          id: "visible",
          metricName: "ApproximateNumberOfMessagesVisible",
          stat: "Maximum",
          queueName: q.preprocess,
        },
        {
          id: "deleted",
          metricName: "NumberOfMessagesDeleted",
          stat: "Sum",
          queueName: q.preprocess,
        },
      ],
      expression: "IF(visible > 0 AND deleted == 0, 1, 0)",
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      periodSeconds: period,
      evaluationPeriods: s.monitoring.stallPeriods,
      datapointsToAlarm: s.monitoring.stallPeriods,
      // Missing data only happens when the queue is idle (nothing visible), which is not a stall.
      treatMissingData: "notBreaching",
    },
    {
      key: "events-backlog",
      description: `More than ${s.monitoring.eventsBacklogThreshold} events wait in ${q.events} for ${s.monitoring.eventsBacklogPeriods} periods: consumers are at their maximum or failing.`,
      metrics: single("m1", "ApproximateNumberOfMessagesVisible", "Maximum", q.events),
      comparison: "GreaterThanThreshold",
      threshold: s.monitoring.eventsBacklogThreshold,
      periodSeconds: period,
      evaluationPeriods: s.monitoring.eventsBacklogPeriods,
      datapointsToAlarm: s.monitoring.eventsBacklogPeriods,
      // An idle queue publishes nothing: no backlog.
      treatMissingData: "notBreaching",
    },
  ];
}
