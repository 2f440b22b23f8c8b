/**
 * The EventBridge events Karpenter's interruption controller handles, as rule patterns. Each rule
 * sends to the interruption queue; Karpenter then cordons and drains the node before EC2 takes it.
 * Pure data.
 */

/** One kind of interruption event and the EventBridge pattern that matches it. */
export interface InterruptionEvent {
  /** Stable key (resource names). */
  readonly key: string;
  /** What Karpenter does with it. */
  readonly description: string;
  /** The EventBridge event pattern. */
  readonly pattern: {
    readonly source: string[];
    readonly "detail-type": string[];
    readonly detail?: Record<string, string[]>;
  };
}

/**
 * The four event types of Karpenter's interruption handling. Two patterns are narrowed to the
 * details Karpenter acts on (its parsers drop everything else as no-ops), so the queue carries no
 * noise: Health events of the EC2 service in the scheduledChange category, and the instance states
 * that end an instance (not pending/running). Karpenter also understands capacity-reservation
 * interruption warnings; the pools buy no reserved capacity, so no rule sends them.
 */
export const INTERRUPTION_EVENTS: readonly InterruptionEvent[] = [
  {
    key: "spot-interruption",
    description: "two-minute spot reclaim warning: drain the node and launch a replacement now",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  },
  {
    key: "rebalance",
    description: "spot capacity at elevated risk (Karpenter records it; no action by default)",
    pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  },
  {
    key: "instance-state-change",
    description: "an instance is stopping or terminating outside Karpenter: drain and replace",
    pattern: {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["stopping", "stopped", "shutting-down", "terminated"] },
    },
  },
  {
    key: "scheduled-change",
    description: "AWS Health scheduled maintenance or retirement of an instance: drain before it",
    pattern: {
      source: ["aws.health"],
      "detail-type": ["AWS Health Event"],
      detail: { service: ["EC2"], eventTypeCategory: ["scheduledChange"] },
    },
  },
];

/** The JSON an `aws.cloudwatch.EventRule` takes as `eventPattern`. */
export function eventPatternJson(event: InterruptionEvent): string {
  return JSON.stringify(event.pattern);
}

/** Whether an event (as EventBridge delivers it) matches a pattern: exact-value matching only. */
export function matchesPattern(
  pattern: InterruptionEvent["pattern"],
  event: { source: string; "detail-type": string; detail?: Record<string, unknown> },
): boolean {
  if (!pattern.source.includes(event.source)) return false;
  if (!pattern["detail-type"].includes(event["detail-type"])) return false;
  for (const [field, allowed] of Object.entries(pattern.detail ?? {})) {
    const value = event.detail?.[field];
    if (typeof value !== "string" || !allowed.includes(value)) return false;
  }
  return true;
}
