/**
 * Alarms of the orchestrated variant as plain data (pure; the component turns each into an
 * `aws.cloudwatch.MetricAlarm` on the alarm topic): a failed or timed-out execution means an input
 * was not processed (the failure is also announced on the bus, but an operator should look), and a
 * dead letter means EventBridge could not start an execution or deliver a notification at all.
 */

/** One single-metric alarm; `T` is the type of the dimension values (strings, or Outputs). */
export interface OrchestrationAlarmSpec<T = string> {
  /** Stable key, also the child resource name suffix. */
  readonly key: string;
  readonly description: string;
  readonly namespace: "AWS/States" | "AWS/SQS";
  readonly metricName: string;
  readonly statistic: "Sum" | "Maximum";
  readonly dimensions: Readonly<Record<string, T>>;
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/** The alarms for a state machine and the rules' dead-letter queue. */
export function orchestrationAlarmSpecs<T>(args: {
  readonly stateMachineArn: T;
  readonly deadLetterQueueName: T;
  readonly periodSeconds: number;
}): OrchestrationAlarmSpec<T>[] {
  const execution = (key: string, metricName: string, what: string): OrchestrationAlarmSpec<T> => ({
    key,
    description: `${what} of the batch state machine: an input under the orchestration prefix was not processed (see the execution history and the results table)`,
    namespace: "AWS/States",
    metricName,
    statistic: "Sum",
    dimensions: { StateMachineArn: args.stateMachineArn },
    threshold: 0,
    periodSeconds: args.periodSeconds,
    evaluationPeriods: 1,
  });
  return [
    execution("executions-failed", "ExecutionsFailed", "Failed executions"),
    execution("executions-timed-out", "ExecutionsTimedOut", "Timed-out executions"),
    execution("executions-aborted", "ExecutionsAborted", "Aborted executions"),
    {
      key: "rules-dead-letters",
      description:
        "EventBridge gave up delivering an upload to the state machine or an announcement to the topic; the events wait in the rules' dead-letter queue",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: args.deadLetterQueueName },
      threshold: 0,
      periodSeconds: args.periodSeconds,
      evaluationPeriods: 1,
    },
  ];
}
