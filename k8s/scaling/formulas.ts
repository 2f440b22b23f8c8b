/**
 * KEDA 2.20's scaling decisions as pure functions of the rules (`./rules`, read back from the
 * deployed objects), the last state and one metric sample: the aws-sqs-queue metric, the ScaledJob
 * job count per strategy, and the ScaledObject's activation and cooldown around the HPA. Local mode
 * calls them every pollingInterval; the tests replay KEDA's own unit-test cases against them.
 *
 * Sources (kedacore/keda):
 * - ScaledJob: `pkg/scaling/scaledjob/metrics.go` (`IsScaledJobActive`: scaleTo is the ceiled raw
 *   queue length, maxScale = min(ceil(queue / target), maxReplicaCount), a minReplicaCount > 0
 *   makes the ScaledJob active) and `pkg/scaling/executor/scale_jobs.go` (`getScalingDecision`,
 *   the strategies, `createJobs`). The strategy formulas are pinned by the cases of
 *   `pkg/scaling/executor/scale_jobs_test.go` at commit 002180f1ed5554990e79853ff4a51f1ed6185809,
 *   which include two changes that KEDA 2.20 ships: `accurate`'s capped branch also subtracts
 *   pending jobs (kedacore/keda#7417, fixing #7329), and `custom` with a percentage but no
 *   deduction deducts 0 (kedacore/keda#7798, in 2.20.2; 2.20.0 and 2.20.1 dereference nil there).
 * - ScaledObject: `pkg/scaling/executor/scale_scaledobjects.go` (`RequestScale`, `scaleToZero`,
 *   `scaleFromZero`); the HPA's AverageValue algorithm with its default 10 % tolerance and the
 *   scale-down stabilization window (Kubernetes' horizontal-pod-autoscale documentation).
 */
import type { ScaledJobRules, ScaledObjectRules } from "./rules";

/** Depth of an SQS queue as GetQueueAttributes reports it. */
export interface QueueDepth {
  /** ApproximateNumberOfMessages. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible (received, not yet deleted). */
  readonly inFlight: number;
}

/** The metric KEDA's aws-sqs-queue scaler reports for `depth` (in-flight only when asked). */
export function sqsMetric(depth: QueueDepth, scaleOnInFlight: boolean): number {
  return depth.visible + (scaleOnInFlight ? depth.inFlight : 0);
}

// ---------------------------------------------------------------------------------------------
// ScaledJob

/** The jobs a ScaledJob has now. */
export interface JobCounts {
  /** Jobs that have not finished (KEDA's runningJobCount includes pending ones). */
  readonly running: number;
  /** Unfinished jobs none of whose pods is Running or Succeeded (KEDA's pendingJobCount). */
  readonly pending: number;
}

/** A strategy's result: the most jobs it allows now, and the count it asks for. */
export interface StrategyResult {
  readonly effectiveMaxScale: number;
  readonly scaleTo: number;
}

/**
 * `GetEffectiveMaxScale` of the ScaledJob's strategy (running jobs already net of
 * minReplicaCount, as KEDA passes them):
 * - default: maxScale − running;
 * - custom, when the percentage parses: min(maxScale − deduction − trunc(running × percentage),
 *   max), an absent deduction counting as 0; otherwise default;
 * - accurate: maxScale − pending, or min(max − running, maxScale − pending) when
 *   maxScale + running exceeds max;
 * - eager: min(max − running − pending, maxScale), asking for max.
 */
export function strategyEffectiveMaxScale(
  rules: ScaledJobRules,
  maxScale: number,
  jobs: JobCounts,
  scaleTo: number,
): StrategyResult {
  const max = rules.maxReplicaCount;
  const { running, pending } = jobs;
  switch (rules.scalingStrategy) {
    case "custom": {
      const pct = rules.customScalingRunningJobPercentage;
      if (pct === undefined) return { effectiveMaxScale: maxScale - running, scaleTo };
      const deduction = rules.customScalingQueueLengthDeduction ?? 0;
      return {
        effectiveMaxScale: Math.min(maxScale - deduction - Math.trunc(running * pct), max),
        scaleTo,
      };
    }
    case "accurate":
      if (maxScale + running > max) {
        return { effectiveMaxScale: Math.min(max - running, maxScale - pending), scaleTo };
      }
      return { effectiveMaxScale: maxScale - pending, scaleTo };
    case "eager":
      return { effectiveMaxScale: Math.min(max - running - pending, maxScale), scaleTo: max };
    case "default":
      return { effectiveMaxScale: maxScale - running, scaleTo };
  }
}

/**
 * `getScalingDecision`: below minReplicaCount running jobs, top up to it; otherwise apply the
 * strategy to the jobs above the minimum.
 */
export function scalingDecision(
  rules: ScaledJobRules,
  jobs: JobCounts,
  scaleTo: number,
  maxScale: number,
): StrategyResult {
  const min = rules.minReplicaCount;
  if (jobs.running < min) {
    const topUp = min - jobs.running;
    return { effectiveMaxScale: topUp, scaleTo: topUp };
  }
  return strategyEffectiveMaxScale(
    rules,
    maxScale,
    { running: jobs.running - min, pending: jobs.pending },
    scaleTo,
  );
}

/** The outcome of one poll of a ScaledJob. */
export interface ScaledJobDecision {
  readonly active: boolean;
  /** min(ceil(metric / queueLength), maxReplicaCount), 0 while the trigger is inactive. */
  readonly maxScale: number;
  /** What the strategy allows, floored at 0. */
  readonly effectiveMaxScale: number;
  /** New jobs to create now: min(scaleTo, effectiveMaxScale) when active. */
  readonly create: number;
}

/** One poll of a ScaledJob with the trigger's `metric` and the jobs that have not finished. */
export function decideScaledJob(
  rules: ScaledJobRules,
  metric: number,
  jobs: JobCounts,
): ScaledJobDecision {
  const triggerActive = metric > rules.activationQueueLength;
  // An inactive trigger contributes neither a queue length nor a maxScale.
  const queueLength = triggerActive ? metric : 0;
  const active = triggerActive || rules.minReplicaCount > 0;
  const maxScale = Math.min(Math.ceil(queueLength / rules.queueLength), rules.maxReplicaCount);
  const decision = scalingDecision(rules, jobs, Math.ceil(queueLength), maxScale);
  const effectiveMaxScale = Math.max(0, decision.effectiveMaxScale);
  const create =
    active && effectiveMaxScale > 0 ? Math.min(decision.scaleTo, effectiveMaxScale) : 0;
  return { active, maxScale, effectiveMaxScale, create };
}

// ---------------------------------------------------------------------------------------------
// ScaledObject

/** The HPA's default tolerance: no change while metric / (target × replicas) is within 1 ± 0.1. */
export const HPA_TOLERANCE = 0.1;

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
  if (rules.moreTriggers.some((t) => t.queueLength <= 0))
    throw new RangeError("every trigger's queueLength must be > 0");
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
 * `scaleToZero`'s test: no active trigger since `lastActiveTime + cooldownPeriod` is strictly in
 * the past (`Before(now)`), or never active at all (a nil `lastActiveTime` skips the cooldown).
 */
export function cooldownElapsed(
  lastActiveAt: number | undefined,
  cooldownPeriodSeconds: number,
  now: number,
): boolean {
  return lastActiveAt === undefined || lastActiveAt + cooldownPeriodSeconds * 1000 < now;
}

/** The rules of each trigger of a ScaledObject, first one first. */
function triggersOf(rules: ScaledObjectRules): ScaledObjectRules[] {
  return [rules, ...rules.moreTriggers.map((t) => ({ ...rules, ...t }))];
}

/** Each trigger's metric for `depth`, in the order of the ScaledObject's triggers. */
export function scaledObjectMetrics(rules: ScaledObjectRules, depth: QueueDepth): number[] {
  return triggersOf(rules).map((t) => sqsMetric(depth, t.scaleOnInFlight));
}

/**
 * The HPA's desired replicas over every trigger: each metric's own proposal (with its tolerance),
 * the largest wins ("the HPA calculates proposed replica counts for each metric, and then chooses
 * the one with the highest", Kubernetes' horizontal-pod-autoscale documentation, multiple metrics).
 */
export function hpaDesiredReplicasOfAll(
  rules: ScaledObjectRules,
  metrics: readonly number[],
  current: number,
): number {
  return Math.max(
    ...triggersOf(rules).map((t, i) => hpaDesiredReplicas(t, metrics[i] ?? 0, current)),
  );
}

/**
 * One poll of a ScaledObject at time `now` (ms) with each trigger's metric (one number: the only
 * trigger's): KEDA's activation (active when any trigger is) and cooldown around the HPA.
 */
export function stepScaledObject(
  rules: ScaledObjectRules,
  state: ScaledObjectState,
  metric: number | readonly number[],
  now: number,
): ScaledObjectDecision {
  const triggers = triggersOf(rules);
  const metrics = typeof metric === "number" ? [metric] : metric;
  if (metrics.length !== triggers.length) {
    throw new RangeError(`${triggers.length} trigger metrics expected, got ${metrics.length}`);
  }
  const active = triggers.some((t, i) => (metrics[i] ?? 0) > t.activationQueueLength);
  const lastActiveAt = active ? now : state.lastActiveAt;
  const windowMs = rules.scaleDownStabilizationSeconds * 1000;
  const recent = state.recommendations.filter((r) => now - r.at < windowMs);

  if (state.replicas === 0) {
    if (!active) {
      return { state: { ...state, recommendations: recent }, active, reason: "idle" };
    }
    // KEDA itself takes the workload off zero (`scaleFromZero`); the HPA only works above zero.
    const replicas = Math.max(1, rules.minReplicas);
    return {
      state: { replicas, lastActiveAt, recommendations: [{ at: now, replicas }] },
      active,
      reason: "activated",
    };
  }

  if (
    !active &&
    rules.minReplicas === 0 &&
    cooldownElapsed(lastActiveAt, rules.cooldownPeriod, now)
  ) {
    return {
      state: { replicas: 0, lastActiveAt, recommendations: [] },
      active,
      reason: "cooldown-elapsed",
    };
  }

  const desired = hpaDesiredReplicasOfAll(rules, metrics, state.replicas);
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
