/**
 * The scaling rules as data, read back from the KEDA specs (so local mode scales exactly as the
 * cluster would), and KEDA's ScaledJob job-count formulas (pkg/scaling/executor) for a local scaler.
 * Pure.
 */
import type { IScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import type { IScaledJobSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJobSpec";
import type { IScaleTriggers } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaleTriggers";
import type { Settings } from "../../config";
import {
  consumerScaledObjectSpec,
  preprocessJobScaling,
  SQS_TRIGGER_TYPE,
  type ScalingStrategy,
} from "./keda";

/** One aws-sqs-queue trigger, parsed. */
export interface QueueTriggerRule {
  readonly queueUrl: string;
  readonly awsRegion: string;
  /** Target messages per replica (or per job). */
  readonly queueLength: number;
  /** Scale from zero only above this many messages. */
  readonly activationQueueLength: number;
  /** Whether received-but-not-deleted messages count. */
  readonly scaleOnInFlight: boolean;
  readonly pollingIntervalSeconds: number;
}

/** How the consumer Deployment scales. */
export interface ConsumerScalingRule extends QueueTriggerRule {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cooldownPeriodSeconds: number;
  readonly scaleDownStabilizationSeconds: number;
}

/** How preprocess Jobs are started. */
export interface PreprocessScalingRule extends QueueTriggerRule {
  readonly maxReplicaCount: number;
  readonly strategy: ScalingStrategy;
}

/** Both rules. */
export interface ScalingRules {
  readonly consumer: ConsumerScalingRule;
  readonly preprocess: PreprocessScalingRule;
}

function onlySqsTrigger(triggers: readonly IScaleTriggers[] | undefined, owner: string) {
  const [trigger, ...rest] = triggers ?? [];
  if (!trigger || rest.length > 0 || trigger.type !== SQS_TRIGGER_TYPE) {
    throw new Error(`${owner} must have exactly one ${SQS_TRIGGER_TYPE} trigger`);
  }
  return trigger;
}

function intField(metadata: Record<string, string>, key: string, fallback: number): number {
  const raw = metadata[key];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new Error(`trigger metadata ${key} is not an integer: ${raw}`);
  return value;
}

function triggerRule(trigger: IScaleTriggers, pollingIntervalSeconds: number): QueueTriggerRule {
  const m = trigger.metadata;
  const queueUrl = m.queueURL;
  const awsRegion = m.awsRegion;
  if (!queueUrl || !awsRegion)
    throw new Error("aws-sqs-queue trigger needs queueURL and awsRegion");
  return {
    queueUrl,
    awsRegion,
    // KEDA's defaults when a key is absent: queueLength 5, activation 0, in-flight counted.
    queueLength: intField(m, "queueLength", 5),
    activationQueueLength: intField(m, "activationQueueLength", 0),
    scaleOnInFlight: (m.scaleOnInFlight ?? "true") === "true",
    pollingIntervalSeconds,
  };
}

/** Reads the scaling rules back from a ScaledObject and a ScaledJob spec (or its scaling half). */
export function scalingRulesFromSpecs(
  scaledObject: IScaledObject,
  scaledJobSpec: Omit<IScaledJobSpec, "jobTargetRef">,
): ScalingRules {
  const so = scaledObject.spec;
  if (!so) throw new Error("ScaledObject has no spec");
  const behavior = so.advanced?.horizontalPodAutoscalerConfig?.behavior;
  const consumer: ConsumerScalingRule = {
    ...triggerRule(onlySqsTrigger(so.triggers, "ScaledObject"), so.pollingInterval ?? 30),
    minReplicas: so.minReplicaCount ?? 0,
    maxReplicas: so.maxReplicaCount ?? 100,
    cooldownPeriodSeconds: so.cooldownPeriod ?? 300,
    scaleDownStabilizationSeconds: behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
  };
  const preprocess: PreprocessScalingRule = {
    ...triggerRule(
      onlySqsTrigger(scaledJobSpec.triggers, "ScaledJob"),
      scaledJobSpec.pollingInterval ?? 30,
    ),
    maxReplicaCount: scaledJobSpec.maxReplicaCount ?? 100,
    strategy: (scaledJobSpec.scalingStrategy?.strategy ?? "default") as ScalingStrategy,
  };
  return { consumer, preprocess };
}

/** The queues the rules point at. */
export interface ScalingQueues {
  readonly preprocessQueueUrl: string;
  readonly eventsQueueUrl: string;
  readonly region: string;
}

/** The rules the program deploys for `settings` (what local mode should emulate). */
export function scalingRules(settings: Settings, queues: ScalingQueues): ScalingRules {
  return scalingRulesFromSpecs(
    consumerScaledObjectSpec(settings, queues),
    preprocessJobScaling(settings, queues),
  );
}

/** What KEDA sees at one poll of a ScaledJob. */
export interface JobPoll {
  /** The trigger's queue length (visible messages when `scaleOnInFlight` is false). */
  readonly queueLength: number;
  /** Jobs not finished yet (pending ones included). */
  readonly runningJobs: number;
  /** Unfinished jobs none of whose pods is running or has completed. */
  readonly pendingJobs: number;
}

/**
 * How many Jobs KEDA creates at one poll (minReplicaCount 0), per strategy — the formulas of KEDA's
 * scale executor, so a local scaler behaves like the cluster.
 */
export function jobsToCreate(rule: PreprocessScalingRule, poll: JobPoll): number {
  if (poll.queueLength <= rule.activationQueueLength) return 0;
  const max = rule.maxReplicaCount;
  const maxScale = Math.min(max, Math.ceil(poll.queueLength / rule.queueLength));
  let effective: number;
  let scaleTo = maxScale;
  switch (rule.strategy) {
    case "accurate":
      effective =
        maxScale + poll.runningJobs > max ? max - poll.runningJobs : maxScale - poll.pendingJobs;
      break;
    case "eager":
      effective = Math.min(max - poll.runningJobs - poll.pendingJobs, maxScale);
      scaleTo = max;
      break;
    case "default":
    case "custom": // without its parameters KEDA falls back to `default`
      effective = maxScale - poll.runningJobs;
      break;
  }
  return Math.max(0, Math.min(scaleTo, effective));
}
