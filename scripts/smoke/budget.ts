/**
 * How long each step of the smoke test may take, derived from the stack's settings the way the
 * cluster spends time: KEDA notices work only at its polling interval, a pod may need a new node
 * and an image pull before it runs, a preprocess job may run until its deadline, and the consumer
 * writes a small batch only when it is `consumerBatchMaxAgeSeconds` old. Pure.
 */
import { CONSUMER_DEFAULTS } from "@pipeline/processor/contract";
import type { Settings } from "../../config";

/**
 * Seconds from a scaling decision until the pod runs: scheduling, a node from Karpenter when none
 * has room (about a minute for an EC2 instance to join), and the image pull. Generous on purpose:
 * it only bounds how long a failing step is waited for.
 */
export const POD_START_SECONDS = 180;

/** Slack for S3 and SQS calls and the smoke's own polling. */
export const SLACK_SECONDS = 30;

/**
 * The orchestrated variant's quick hops: EventBridge delivering the upload's event to the state
 * machine, then reading the metrics and writing the item after the job — or the bus rule and the
 * topic delivering the announcement. Seconds each; the job dominates.
 */
export const WORKFLOW_HOP_SECONDS = 30;

/** One step's time limit and what it is made of (printed when the step times out). */
export interface StepBudget {
  readonly seconds: number;
  readonly because: string;
}

/** The time limits of the steps. */
export interface SmokeBudgets {
  /** The four outputs of an upload under `input/`. */
  readonly outputs: StepBudget;
  /** Every valid event stored, and the invalid one quarantined. */
  readonly events: StepBudget;
  /** The four outputs of an upload under the orchestration prefix. */
  readonly workflow: StepBudget;
  /** The upload's item in the results table. */
  readonly item: StepBudget;
  /** The upload's notification on the topic. */
  readonly notification: StepBudget;
}

function budget(parts: readonly (readonly [string, number])[], timeScale: number): StepBudget {
  const seconds = parts.reduce((sum, [, s]) => sum + s, 0) * timeScale;
  const because = parts.map(([what, s]) => `${what} ${s} s`).join(" + ");
  const scaled = timeScale === 1 ? "" : ` (× time scale ${timeScale})`;
  return { seconds, because: `${because}${scaled}` };
}

/** Each step's limit for `settings`, times `timeScale` (a local-mode stack's time scale). */
export function smokeBudgets(settings: Settings, timeScale = 1): SmokeBudgets {
  const { preprocess, consumer } = settings.keda;
  const workflowJob = [
    ["pod start", POD_START_SECONDS],
    ["workflow job timeout", settings.orchestration.jobTimeoutSeconds],
  ] as const;
  return {
    outputs: budget(
      [
        ["ScaledJob polling interval", preprocess.pollingInterval],
        ["pod start", POD_START_SECONDS],
        ["job deadline", preprocess.activeDeadlineSeconds],
        ["slack", SLACK_SECONDS],
      ],
      timeScale,
    ),
    events: budget(
      [
        ["ScaledObject polling interval", consumer.pollingInterval],
        ["pod start", POD_START_SECONDS],
        ["receive wait", CONSUMER_DEFAULTS.waitTimeSeconds],
        ["batch age", settings.workloads.consumerBatchMaxAgeSeconds],
        ["slack", SLACK_SECONDS],
      ],
      timeScale,
    ),
    workflow: budget([...workflowJob, ["slack", SLACK_SECONDS]], timeScale),
    item: budget(
      [
        ["upload event to execution", WORKFLOW_HOP_SECONDS],
        ...workflowJob,
        ["metrics read and item write", WORKFLOW_HOP_SECONDS],
        ["slack", SLACK_SECONDS],
      ],
      timeScale,
    ),
    notification: budget(
      [
        ["upload event to execution", WORKFLOW_HOP_SECONDS],
        ...workflowJob,
        ["metrics read and item write", WORKFLOW_HOP_SECONDS],
        ["bus rule and topic delivery", WORKFLOW_HOP_SECONDS],
        ["slack", SLACK_SECONDS],
      ],
      timeScale,
    ),
  };
}

/** How often the smoke looks: every 2 s, shorter with the time scale, at least every 250 ms. */
export function pollIntervalMs(timeScale: number): number {
  return Math.max(250, Math.round(2000 * timeScale));
}
