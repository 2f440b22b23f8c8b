/**
 * The local stand-in for KEDA: the same decisions KEDA (and the HPA it drives) take for a
 * ScaledObject and a ScaledJob on the aws-sqs trigger, as pure functions of the rules, the last
 * state and one metric sample. Local mode calls them every pollingInterval; the unit tests replay
 * the cases KEDA's documentation gives.
 *
 * Sources of the semantics (KEDA 2.20):
 * - aws-sqs scaler: metric = ApproximateNumberOfMessages, plus ApproximateNumberOfMessagesNotVisible
 *   when `scaleOnInFlight` (default true); the trigger is active when metric > activation value.
 * - ScaledObject: an active trigger takes a workload at zero to max(1, minReplicaCount); from there
 *   the HPA sets ceil(metric / target) (AverageValue target, 10 % tolerance) within
 *   [max(1, min), max], scaling down only to the highest recommendation of the stabilization window;
 *   with minReplicaCount 0, KEDA scales to zero once no trigger was active for cooldownPeriod.
 * - ScaledJob: maxScale = min(ceil(metric / target), maxReplicaCount); the scaling strategy turns
 *   maxScale and the running and pending jobs into the number of new jobs; nothing is created while
 *   the trigger is inactive.
 */

/** Depth of an SQS queue as GetQueueAttributes reports it. */
export interface QueueDepth {
  /** ApproximateNumberOfMessages. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible (received, not yet deleted). */
  readonly inFlight: number;
}

/** The metric KEDA's aws-sqs scaler reports for `depth`. */
export function sqsMetric(depth: QueueDepth, scaleOnInFlight: boolean): number {
  return depth.visible + (scaleOnInFlight ? depth.inFlight : 0);
}

/** The HPA's default tolerance: no change while metric / (target × replicas) is within 1 ± 0.1. */
export const HPA_TOLERANCE = 0.1;

/** The rules of a ScaledObject on an aws-sqs trigger (times in seconds, as in the spec). */
export interface ScaledObjectRules {
  readonly pollingInterval: number;
  readonly cooldownPeriod: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The trigger's `queueLength`: target messages per replica. */
  readonly queueLength: number;
  /** The trigger's `activationQueueLength`. */
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
  /** HPA `behavior.scaleDown.stabilizationWindowSeconds`. */
  readonly scaleDownStabilizationSeconds: number;
}

/** What the local scaler remembers about a ScaledObject between polls. */
export interface ScaledObjectState {
  readonly replicas: number;
  /** When a trigger was last active (ms); KEDA's `status.lastActiveTime`. */
  readonly lastActiveAt?: number;
  /** The HPA's recent recommendations (ms, replicas), for the scale-down stabilization window. */
  readonly recommendations: readonly { readonly at: number; readonly replicas: number }[];
}

/** The state of a ScaledObject that was never active, at `minReplicas`. */
export function initialScaledObjectState(rules: ScaledObjectRules): ScaledObjectState {
  return { replicas: rules.minReplicas, recommendations: [] };
}

/** Why the replica count is what it is after a poll. */
export type ScaledObjectReason =
  "idle" | "activated" | "hpa" | "cooling-down" | "cooldown-elapsed" | "stabilizing";

/** The outcome of one poll. */
export interface ScaledObjectDecision {
  readonly state: ScaledObjectState;
  readonly active: boolean;
  readonly reason: ScaledObjectReason;
}

/** Validates rules the way KEDA's admission webhook and the HPA would reject them. */
export function validateScaledObjectRules(rules: ScaledObjectRules): void {
  if (rules.queueLength <= 0) throw new RangeError("queueLength must be > 0");
  if (rules.minReplicas < 0) throw new RangeError("minReplicas must be >= 0");
  if (rules.maxReplicas < 1) throw new RangeError("maxReplicas must be >= 1");
  if (rules.minReplicas > rules.maxReplicas) {
    throw new RangeError(
      `minReplicas (${rules.minReplicas}) must be at most maxReplicas (${rules.maxReplicas})`,
    );
  }
  if (rules.pollingInterval <= 0) throw new RangeError("pollingInterval must be > 0");
}

/** The HPA's desired replicas for an AverageValue external metric, before stabilization. */
export function hpaDesiredReplicas(
  rules: ScaledObjectRules,
  metric: number,
  current: number,
): number {
  const floor = Math.max(1, rules.minReplicas);
  let desired: number;
  if (current > 0 && Math.abs(metric / (rules.queueLength * current) - 1) <= HPA_TOLERANCE) {
    desired = current;
  } else {
    desired = Math.ceil(metric / rules.queueLength);
  }
  return Math.min(rules.maxReplicas, Math.max(floor, desired));
}

/**
 * One poll of a ScaledObject at time `now` (ms) with the trigger's `metric`: KEDA's activation and
 * cooldown around the HPA's proportional scaling.
 */
export function stepScaledObject(
  rules: ScaledObjectRules,
  state: ScaledObjectState,
  metric: number,
  now: number,
): ScaledObjectDecision {
  const active = metric > rules.activationQueueLength;
  const lastActiveAt = active ? now : state.lastActiveAt;
  const windowMs = rules.scaleDownStabilizationSeconds * 1000;
  const recent = state.recommendations.filter((r) => now - r.at < windowMs);

  if (state.replicas === 0) {
    if (!active) {
      return { state: { ...state, recommendations: recent }, active, reason: "idle" };
    }
    // KEDA itself takes the workload off zero; the HPA only works on a running workload.
    const replicas = Math.max(1, rules.minReplicas);
    return {
      state: { replicas, lastActiveAt, recommendations: [{ at: now, replicas }] },
      active,
      reason: "activated",
    };
  }

  if (!active && rules.minReplicas === 0) {
    const since = lastActiveAt ?? Number.NEGATIVE_INFINITY;
    if (now - since >= rules.cooldownPeriod * 1000) {
      return {
        state: { replicas: 0, lastActiveAt, recommendations: [] },
        active,
        reason: "cooldown-elapsed",
      };
    }
  }

  const desired = hpaDesiredReplicas(rules, metric, state.replicas);
  const recommendations = [...recent, { at: now, replicas: desired }];
  let replicas: number;
  let reason: ScaledObjectReason;
  if (desired >= state.replicas) {
    replicas = desired;
    reason = "hpa";
  } else {
    // Scale down only as far as the highest recommendation within the window allows.
    const stabilized = Math.max(...recommendations.map((r) => r.replicas));
    replicas = Math.min(state.replicas, stabilized);
    reason = replicas > desired ? "stabilizing" : "hpa";
  }
  if (!active && rules.minReplicas === 0 && reason === "hpa") reason = "cooling-down";
  return { state: { replicas, lastActiveAt, recommendations }, active, reason };
}

/** KEDA's ScaledJob scaling strategies. */
export type ScalingStrategy = "default" | "custom" | "accurate" | "eager";

/** The rules of a ScaledJob on an aws-sqs trigger. */
export interface ScaledJobRules {
  readonly pollingInterval: number;
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  /** The trigger's `queueLength`: messages per job. */
  readonly targetQueueLength: number;
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
  readonly scalingStrategy: ScalingStrategy;
  /** `customScalingQueueLengthDeduction`; without both custom parameters `custom` acts as `default`. */
  readonly customScalingQueueLengthDeduction?: number;
  /** `customScalingRunningJobPercentage`. */
  readonly customScalingRunningJobPercentage?: number;
  /** Pod retries of one job before it counts as failed. */
  readonly backoffLimit: number;
  /** A job still running after this many seconds is stopped and counts as failed. */
  readonly activeDeadlineSeconds: number;
}

/** The jobs a ScaledJob has now. */
export interface JobCounts {
  /** Jobs that have not finished (KEDA's runningJobCount includes pending ones). */
  readonly running: number;
  /** Unfinished jobs whose pod is not running yet. */
  readonly pending: number;
}

/** The outcome of one poll of a ScaledJob. */
export interface ScaledJobDecision {
  readonly active: boolean;
  /** min(ceil(metric / target), maxReplicaCount). */
  readonly maxScale: number;
  /** What the strategy allows, before the cap by `scaleTo`. */
  readonly effectiveMaxScale: number;
  /** New jobs to create now. */
  readonly create: number;
}

/**
 * The strategy's (effectiveMaxScale, scaleTo) for `maxScale`, with KEDA's formulas: default
 * `maxScale - running`; custom `min(maxScale - deduction - floor(running × percentage), max)`;
 * accurate `max - running` when maxScale + running exceeds max, else `maxScale - pending`;
 * eager `min(max - running - pending, maxScale)` and scaleTo = max.
 */
export function strategyEffectiveMaxScale(
  rules: ScaledJobRules,
  maxScale: number,
  jobs: JobCounts,
  scaleTo: number,
): { effectiveMaxScale: number; scaleTo: number } {
  const max = rules.maxReplicaCount;
  switch (rules.scalingStrategy) {
    case "custom": {
      const deduction = rules.customScalingQueueLengthDeduction;
      const percentage = rules.customScalingRunningJobPercentage;
      if (deduction !== undefined && percentage !== undefined) {
        const effective = Math.min(
          maxScale - deduction - Math.trunc(jobs.running * percentage),
          max,
        );
        return { effectiveMaxScale: effective, scaleTo };
      }
      return { effectiveMaxScale: maxScale - jobs.running, scaleTo };
    }
    case "accurate":
      if (maxScale + jobs.running > max) {
        return { effectiveMaxScale: max - jobs.running, scaleTo };
      }
      return { effectiveMaxScale: maxScale - jobs.pending, scaleTo };
    case "eager":
      return {
        effectiveMaxScale: Math.min(max - jobs.running - jobs.pending, maxScale),
        scaleTo: max,
      };
    case "default":
      return { effectiveMaxScale: maxScale - jobs.running, scaleTo };
  }
}

/** One poll of a ScaledJob with the trigger's `metric` and the jobs that have not finished. */
export function decideScaledJob(
  rules: ScaledJobRules,
  metric: number,
  jobs: JobCounts,
): ScaledJobDecision {
  const active = metric > rules.activationQueueLength;
  const wanted = Math.ceil(metric / rules.targetQueueLength);
  const maxScale = Math.min(wanted, rules.maxReplicaCount);
  let effectiveMaxScale: number;
  let scaleTo = wanted;
  if (jobs.running < rules.minReplicaCount) {
    effectiveMaxScale = rules.minReplicaCount - jobs.running;
    scaleTo = effectiveMaxScale;
  } else {
    const running = jobs.running - rules.minReplicaCount;
    ({ effectiveMaxScale, scaleTo } = strategyEffectiveMaxScale(
      rules,
      maxScale,
      { running, pending: jobs.pending },
      scaleTo,
    ));
  }
  effectiveMaxScale = Math.max(0, effectiveMaxScale);
  const create = active && effectiveMaxScale > 0 ? Math.min(scaleTo, effectiveMaxScale) : 0;
  return { active, maxScale, effectiveMaxScale, create };
}
