/**
 * The scaling rules as data, in one vocabulary: the field names of the KEDA objects themselves
 * (`pollingInterval`, `cooldownPeriod`, `maxReplicaCount`, `scalingStrategy`, the trigger's
 * `queueLength`). They are read back from the ScaledObject and ScaledJob the program deploys, never
 * copied from the settings, so the formulas (`./formulas`), the tests and local mode decide on what
 * the cluster's KEDA reads. Pure.
 */
import type { IScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import type { IScaledJobSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJobSpec";
import type { IScaleTriggers } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaleTriggers";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { CommandEnvVars } from "@pipeline/processor/contract";
import type { Settings } from "../../config";
import { consumerScaledObjectSpec, SQS_TRIGGER_TYPE, type ScalingStrategy } from "../specs/keda";
import { preprocessScaledJobSpec } from "../specs/preprocess";
import type { WorkloadInputs } from "../specs/common";

/** The preprocess variable naming the file the job creates once it holds its message. */
const READY_FILE_ENV = "READY_FILE" satisfies keyof CommandEnvVars<"preprocess">;

/** One aws-sqs-queue trigger, parsed. */
export interface QueueTriggerRules {
  readonly queueUrl: string;
  readonly awsRegion: string;
  /** The trigger's `queueLength`: target messages per replica (or per job). */
  readonly queueLength: number;
  /** The trigger's `activationQueueLength`: the trigger is active only above it. */
  readonly activationQueueLength: number;
  /** Whether received-but-not-deleted messages count (`scaleOnInFlight`). */
  readonly scaleOnInFlight: boolean;
  /** The object's `pollingInterval`, seconds. */
  readonly pollingInterval: number;
}

/** What one more trigger of a ScaledObject on the same queue adds (its own target and counting). */
export interface ExtraTriggerRules {
  readonly queueLength: number;
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
}

/**
 * How the consumer Deployment scales (its ScaledObject; times in seconds, as in the spec): its
 * first trigger's rules, and those of the further triggers on the same queue.
 */
export interface ScaledObjectRules extends QueueTriggerRules {
  /** The triggers after the first, in order (KEDA: active if any is; the HPA takes the max). */
  readonly moreTriggers: readonly ExtraTriggerRules[];
  readonly cooldownPeriod: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** HPA `behavior.scaleDown.stabilizationWindowSeconds`. */
  readonly scaleDownStabilizationSeconds: number;
}

/** How preprocess Jobs are started (its ScaledJob), and the Job template's retry and deadline. */
export interface ScaledJobRules extends QueueTriggerRules {
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly scalingStrategy: ScalingStrategy;
  /** `customScalingQueueLengthDeduction` (KEDA treats an absent one as 0 when `custom` applies). */
  readonly customScalingQueueLengthDeduction?: number;
  /** `customScalingRunningJobPercentage`, parsed; without it `custom` acts as `default`. */
  readonly customScalingRunningJobPercentage?: number;
  /** Pod retries of one job before it counts as failed (`jobTargetRef.backoffLimit`). */
  readonly backoffLimit: number;
  /** A job still running after this many seconds is stopped and counts as failed. */
  readonly activeDeadlineSeconds: number;
  /**
   * `pendingPodConditions`: a job is pending until its pod has all of them True; empty: pending
   * until a pod is Running or Succeeded (KEDA's `getPendingJobCount`).
   */
  readonly pendingPodConditions: readonly string[];
  /**
   * Whether the job pod's Ready condition waits for the job to hold its message (a readiness probe
   * on the processor's `READY_FILE`) rather than turning True as soon as the container runs.
   */
  readonly readyWhenHoldingMessage: boolean;
}

/** Both rules. */
export interface ScalingRules {
  /** ScaledObject of the consumer Deployment on the events queue. */
  readonly consumer: ScaledObjectRules;
  /** ScaledJob of the preprocess jobs on the preprocess queue. */
  readonly preprocess: ScaledJobRules;
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

function triggerRules(trigger: IScaleTriggers, pollingInterval: number): QueueTriggerRules {
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
    pollingInterval,
  };
}

/** KEDA parses the percentage with Go's ParseFloat; anything else selects `default`. */
function percentage(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** The triggers of a ScaledObject: aws-sqs-queue ones on one queue, at least one. */
function sameQueueTriggers(
  triggers: readonly IScaleTriggers[] | undefined,
  pollingInterval: number,
): [QueueTriggerRules, ...QueueTriggerRules[]] {
  const all = (triggers ?? []).map((t) => {
    if (t.type !== SQS_TRIGGER_TYPE)
      throw new Error(`ScaledObject trigger ${t.type} is not ${SQS_TRIGGER_TYPE}`);
    return triggerRules(t, pollingInterval);
  });
  const [first, ...rest] = all;
  if (!first) throw new Error(`ScaledObject must have a ${SQS_TRIGGER_TYPE} trigger`);
  if (rest.some((t) => t.queueUrl !== first.queueUrl || t.awsRegion !== first.awsRegion)) {
    throw new Error("the ScaledObject's triggers must all read the same queue");
  }
  return [first, ...rest];
}

/** Reads the consumer's rules back from its ScaledObject (KEDA's defaults for absent fields). */
export function scaledObjectRules(scaledObject: IScaledObject): ScaledObjectRules {
  const so = scaledObject.spec;
  if (!so) throw new Error("ScaledObject has no spec");
  const behavior = so.advanced?.horizontalPodAutoscalerConfig?.behavior;
  const [first, ...rest] = sameQueueTriggers(so.triggers, so.pollingInterval ?? 30);
  return {
    ...first,
    moreTriggers: rest.map(({ queueLength, activationQueueLength, scaleOnInFlight }) => ({
      queueLength,
      activationQueueLength,
      scaleOnInFlight,
    })),
    minReplicas: so.minReplicaCount ?? 0,
    maxReplicas: so.maxReplicaCount ?? 100,
    cooldownPeriod: so.cooldownPeriod ?? 300,
    scaleDownStabilizationSeconds: behavior?.scaleDown?.stabilizationWindowSeconds ?? 300,
  };
}

/** Reads the preprocess rules back from its ScaledJob spec (KEDA's and Kubernetes' defaults). */
export function scaledJobRules(spec: IScaledJobSpec): ScaledJobRules {
  const strategy = spec.scalingStrategy;
  const deduction = strategy?.customScalingQueueLengthDeduction;
  const pct = percentage(strategy?.customScalingRunningJobPercentage);
  return {
    ...triggerRules(onlySqsTrigger(spec.triggers, "ScaledJob"), spec.pollingInterval ?? 30),
    minReplicaCount: spec.minReplicaCount ?? 0,
    maxReplicaCount: spec.maxReplicaCount ?? 100,
    scalingStrategy: (strategy?.strategy ?? "default") as ScalingStrategy,
    ...(deduction === undefined ? {} : { customScalingQueueLengthDeduction: deduction }),
    ...(pct === undefined ? {} : { customScalingRunningJobPercentage: pct }),
    // Kubernetes' defaults when the Job template leaves them out.
    backoffLimit: spec.jobTargetRef.backoffLimit ?? 6,
    activeDeadlineSeconds: spec.jobTargetRef.activeDeadlineSeconds ?? Number.POSITIVE_INFINITY,
    pendingPodConditions: [...(strategy?.pendingPodConditions ?? [])],
    readyWhenHoldingMessage: readyWhenHoldingMessage(spec.jobTargetRef.template.spec?.containers),
  };
}

/** Whether the job container's readiness probe tests for the file its `READY_FILE` names. */
function readyWhenHoldingMessage(containers: readonly IContainer[] | undefined): boolean {
  const [container] = containers ?? [];
  const readyFile = container?.env?.find((e) => e.name === READY_FILE_ENV)?.value;
  const probe = container?.readinessProbe?.exec?.command;
  return readyFile !== undefined && probe !== undefined && probe.at(-1) === readyFile;
}

/** Reads both rules back from a ScaledObject and a ScaledJob spec. */
export function scalingRulesFromSpecs(
  scaledObject: IScaledObject,
  scaledJobSpec: IScaledJobSpec,
): ScalingRules {
  return { consumer: scaledObjectRules(scaledObject), preprocess: scaledJobRules(scaledJobSpec) };
}

/** The rules the program deploys for `settings` and `inputs` (what local mode emulates). */
export function scalingRules(settings: Settings, inputs: WorkloadInputs): ScalingRules {
  const job = preprocessScaledJobSpec(settings, inputs).spec;
  return scalingRulesFromSpecs(consumerScaledObjectSpec(settings, inputs), job);
}
