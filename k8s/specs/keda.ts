/**
 * KEDA objects for the SQS-driven workloads, built from @kubernetes-models/keda types so a misspelled
 * field fails the type-check: the TriggerAuthentication, the aws-sqs-queue triggers, the consumer's
 * ScaledObject and the scaling half of the preprocess ScaledJob. The rules read back from them and
 * KEDA's formulas over those rules are in `k8s/scaling`.
 *
 * Credentials: the TriggerAuthentication says `podIdentity.provider: aws` with neither `roleArn` nor
 * `identityOwner`, so KEDA's scalers use the operator's own credentials. The operator gets them from
 * EKS Pod Identity (association keda/keda-operator → a role that may only `sqs:GetQueueAttributes`
 * on the two queues); the chart needs no IRSA settings. The deprecated `aws-eks` provider and the
 * deprecated trigger-level `identityOwner` are never used.
 */
import type { IScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import type { IScaledJobSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJobSpec";
import type { IScaleTriggers } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaleTriggers";
import type { ITriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { CONSUMER_DEFAULTS } from "@pipeline/processor/contract";
import { PROJECT, type Settings } from "../../config";
import { workloadMeta, type Manifest } from "./common";
import { CONSUMER_NAME } from "./consumer";

/** Name of the TriggerAuthentication both triggers reference. */
export const TRIGGER_AUTH_NAME = "aws-keda-operator";

/** The KEDA scaler type of both triggers. */
export const SQS_TRIGGER_TYPE = "aws-sqs-queue";

/**
 * The metadata keys KEDA 2.20's aws-sqs-queue scaler reads (pkg/scalers/aws_sqs_queue_scaler.go).
 * Anything else in a trigger's metadata is silently ignored by KEDA (`messageReceiptThreshold`), or
 * is a credential/identity override this project must not use (`identityOwner`, `awsRoleArn`,
 * `awsAccessKeyID`): tests reject both.
 */
export const SQS_TRIGGER_METADATA_KEYS = [
  "queueURL",
  "queueURLFromEnv",
  "queueLength",
  "activationQueueLength",
  "awsRegion",
  "awsEndpoint",
  "scaleOnInFlight",
  "scaleOnDelayed",
] as const;

/** The metadata of an aws-sqs-queue trigger; KEDA takes every value as a string. */
export type SqsTriggerMetadata = Partial<
  Record<(typeof SQS_TRIGGER_METADATA_KEYS)[number], string>
>;

/** KEDA's ScaledJob scaling strategies (scaledjob-spec `scalingStrategy.strategy`). */
export type ScalingStrategy = Settings["keda"]["preprocess"]["scalingStrategy"];

/** The TriggerAuthentication: the KEDA operator's own Pod Identity (see the module comment). */
export function triggerAuthenticationSpec(settings: Settings): Manifest<ITriggerAuthentication> {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "TriggerAuthentication",
    metadata: {
      name: TRIGGER_AUTH_NAME,
      namespace: settings.workloads.namespace,
      labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: { podIdentity: { provider: "aws" } },
  };
}

/** One aws-sqs-queue trigger. */
export interface SqsTriggerArgs {
  readonly name: string;
  readonly queueUrl: string;
  readonly region: string;
  readonly queueLength: number;
  readonly activationQueueLength: number;
  /** Whether in-flight (received, not yet deleted) messages count towards the queue length. */
  readonly scaleOnInFlight: boolean;
}

/** An aws-sqs-queue trigger authenticated by {@link TRIGGER_AUTH_NAME}. */
export function sqsTrigger(
  args: SqsTriggerArgs,
): IScaleTriggers & { metadata: SqsTriggerMetadata } {
  const metadata: SqsTriggerMetadata = {
    queueURL: args.queueUrl,
    awsRegion: args.region,
    queueLength: String(args.queueLength),
    activationQueueLength: String(args.activationQueueLength),
    scaleOnInFlight: String(args.scaleOnInFlight),
    // Delayed messages cannot be received yet; starting pods for them would only idle.
    scaleOnDelayed: "false",
  };
  return {
    type: SQS_TRIGGER_TYPE,
    name: args.name,
    metadata,
    authenticationRef: { name: TRIGGER_AUTH_NAME, kind: "TriggerAuthentication" },
  };
}

/** What the consumer ScaledObject needs from the program. */
export interface ConsumerScalingInputs {
  readonly eventsQueueUrl: string;
  readonly region: string;
}

/**
 * The consumer's ScaledObject: 0..max replicas on the events queue, with two triggers on it.
 *
 * - `events-backlog` sets the replica count from *visible* messages only (`scaleOnInFlight:
 *   "false"`): the backlog no replica has taken yet. In-flight messages are mostly ones the
 *   consumers hold for batching (up to `consumerBatchMaxAgeSeconds`), about rate × half the batch
 *   age whatever the backlog; counting them kept a keeping-up deployment at its maximum, and more
 *   replicas only made smaller objects without lowering the count (README "Consumer scaling").
 * - `events-held` counts visible + in-flight against one replica's hold bound (the consumer's
 *   MAX_HELD_MESSAGES): it keeps the deployment active while replicas hold messages that the
 *   backlog trigger no longer sees (else a keeping-up deployment went to zero after its cooldown),
 *   and adds replicas only when the held messages exceed what the replicas may hold.
 * KEDA activates the object when either trigger is active; the HPA takes the larger replica count
 * of the two metrics. Scale-down is damped by the HPA behaviour below.
 */
export function consumerScaledObjectSpec(
  settings: Settings,
  inputs: ConsumerScalingInputs,
): Manifest<IScaledObject> {
  const c = settings.keda.consumer;
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: workloadMeta(CONSUMER_NAME, settings.workloads.namespace, "consumer"),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: CONSUMER_NAME },
      minReplicaCount: c.minReplicas,
      maxReplicaCount: c.maxReplicas,
      pollingInterval: c.pollingInterval,
      cooldownPeriod: c.cooldownPeriod,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: c.scaleDownStabilizationSeconds,
              selectPolicy: "Max",
              policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
            },
            scaleUp: {
              stabilizationWindowSeconds: 0,
              selectPolicy: "Max",
              policies: [
                { type: "Percent", value: 100, periodSeconds: 15 },
                { type: "Pods", value: 4, periodSeconds: 15 },
              ],
            },
          },
        },
      },
      triggers: [
        sqsTrigger({
          name: "events-backlog",
          queueUrl: inputs.eventsQueueUrl,
          region: inputs.region,
          queueLength: c.queueLength,
          activationQueueLength: c.activationQueueLength,
          scaleOnInFlight: false,
        }),
        sqsTrigger({
          name: "events-held",
          queueUrl: inputs.eventsQueueUrl,
          region: inputs.region,
          queueLength: CONSUMER_DEFAULTS.maxHeldMessages,
          activationQueueLength: c.activationQueueLength,
          scaleOnInFlight: true,
        }),
      ],
    },
  };
}

/** What the preprocess ScaledJob's scaling needs from the program. */
export interface PreprocessScalingInputs {
  readonly preprocessQueueUrl: string;
  readonly region: string;
}

/**
 * Strategies that do not double-count running jobs when the trigger excludes in-flight messages.
 *
 * With `scaleOnInFlight: "false"` KEDA sees only *visible* messages: a message leaves that count the
 * moment a job receives it. So a running job is already "paid for" in the metric.
 * - `default` creates `maxScale - runningJobs`: it subtracts running jobs a second time and starves
 *   the queue (10 visible, 5 running → 5 new jobs instead of 10). Rejected.
 * - `custom` subtracts a share of running jobs the same way. Rejected.
 * - `accurate` creates `maxScale - pendingJobs` (capped at `max - runningJobs`; KEDA 2.20 keeps the
 *   pending deduction in that capped branch too): it subtracts only the jobs that have not yet taken
 *   their message (pending until Ready: {@link PREPROCESS_PENDING_POD_CONDITIONS}). This is exactly the
 *   case KEDA documents it for (a scaler that does not count locked messages, a message deleted once
 *   consumed). The default and our choice.
 * - `eager` creates `min(max - running - pending, maxScale)`: it never subtracts from the demand, so
 *   while pods are pending (a node being provisioned) their messages are still visible and each poll
 *   adds jobs that later find the queue empty and exit. Allowed, for latency over cost.
 */
export const STRATEGIES_WITHOUT_DOUBLE_COUNT: readonly ScalingStrategy[] = ["accurate", "eager"];

/**
 * A job counts as pending until its pod is Ready, and the pod is Ready once the job holds its message
 * (the readiness probe of `preprocess.ts`). Without this KEDA counts a job as pending only until its
 * pod is Running, yet a Running pod needs a moment (Node start, SDK load, the first receive) before
 * its message leaves the visible count: a poll in that moment sees the message and no pending job
 * and starts a second job for it (6 uploads → 10 jobs; `npm run bench:scaling` measures it).
 */
export const PREPROCESS_PENDING_POD_CONDITIONS = ["Ready"] as const;

/** Throws, naming the setting, when the strategy would double-count running jobs. */
export function assertStrategyFitsSqs(strategy: ScalingStrategy): ScalingStrategy {
  if (!STRATEGIES_WITHOUT_DOUBLE_COUNT.includes(strategy)) {
    throw new Error(
      `${PROJECT}:keda.preprocess.scalingStrategy: "${strategy}" double-counts running jobs with ` +
        `scaleOnInFlight "false"; use ${STRATEGIES_WITHOUT_DOUBLE_COUNT.map((s) => `"${s}"`).join(" or ")}`,
    );
  }
  return strategy;
}

/** The scaling half of the preprocess ScaledJob (everything but `jobTargetRef`). */
export function preprocessJobScaling(
  settings: Settings,
  inputs: PreprocessScalingInputs,
): Omit<IScaledJobSpec, "jobTargetRef"> {
  const p = settings.keda.preprocess;
  return {
    pollingInterval: p.pollingInterval,
    minReplicaCount: 0,
    maxReplicaCount: p.maxReplicaCount,
    successfulJobsHistoryLimit: p.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: p.failedJobsHistoryLimit,
    // A changed template must not kill jobs mid-file: running jobs finish, new ones use the new spec.
    rollout: { strategy: "gradual" },
    scalingStrategy: {
      strategy: assertStrategyFitsSqs(p.scalingStrategy),
      pendingPodConditions: [...PREPROCESS_PENDING_POD_CONDITIONS],
    },
    triggers: [
      sqsTrigger({
        name: "preprocess-queue",
        queueUrl: inputs.preprocessQueueUrl,
        region: inputs.region,
        queueLength: p.targetQueueLength,
        activationQueueLength: p.activationQueueLength,
        // Visible messages only: see STRATEGIES_WITHOUT_DOUBLE_COUNT.
        scaleOnInFlight: false,
      }),
    ],
  };
}
