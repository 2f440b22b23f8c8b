/**
 * The processor's environment (names and schemas: the processor's contract) as the Kubernetes specs
 * fill it in. One function per command, pure over settings and inputs; each object `satisfies` the
 * command's variables, so a misspelt or foreign name fails the typecheck.
 */
import { MIB, type CommandEnvVars } from "@pipeline/processor/contract";
import { workloadNodeOptions, type Settings, type Workload } from "../../config";
import { TMP_PATH, type WorkloadInputs } from "./common";

/**
 * The file a preprocess job creates once it holds its message (`READY_FILE`), on the pod's writable
 * `/tmp`: the job's readiness probe tests for it (`preprocess.ts`).
 */
export const PREPROCESS_READY_FILE = `${TMP_PATH}/preprocess-ready`;

/**
 * Seconds the consumer may spend draining after SIGTERM: it stops receiving, writes its open batches
 * and deletes their messages; at this bound it cancels what is left (those messages reappear after
 * their visibility timeout). Passed as SHUTDOWN_TIMEOUT_SECONDS; the pod's grace period exceeds it.
 */
export const CONSUMER_DRAIN_SECONDS = 30;

/**
 * The container's V8 heap, from its memory limit (config/heap.ts): Node's variable, not the
 * processor's, so it sits beside the contract's names rather than among them.
 */
export function nodeOptions(settings: Settings, workload: Workload): { NODE_OPTIONS: string } {
  return { NODE_OPTIONS: workloadNodeOptions(settings)[workload] };
}

/** `processor preprocess`: the S3-event queue it drains and the bucket it writes results to. */
export function preprocessEnv(settings: Settings, inputs: WorkloadInputs): Record<string, string> {
  return {
    PREPROCESS_QUEUE_URL: inputs.preprocessQueueUrl,
    OUTPUT_BUCKET: inputs.processedBucketName,
    // One job per `targetQueueLength` messages: a job takes its share and exits, so KEDA's job count
    // stays a faithful picture of the work in progress.
    MAX_MESSAGES: String(settings.keda.preprocess.targetQueueLength),
    // Received messages stay hidden as long as the queue's own timeout says (the job heartbeats).
    VISIBILITY_TIMEOUT_SECONDS: String(settings.queues.preprocessVisibilityTimeoutSeconds),
    // A larger upload gets an error report: the pod's disk is sized for this (common.ts).
    MAX_INPUT_BYTES: String(settings.workloads.preprocessMaxInputMiB * MIB),
    READY_FILE: PREPROCESS_READY_FILE,
    ...nodeOptions(settings, "preprocess"),
  } satisfies CommandEnvVars<"preprocess">;
}

/**
 * `processor produce` as a long-running Deployment: EVENTS_TOTAL 0 means "until stopped", at the
 * configured rate, with the configured share of invalid events.
 */
export function producerEnv(settings: Settings, inputs: WorkloadInputs): Record<string, string> {
  return {
    EVENTS_QUEUE_URL: inputs.eventsQueueUrl,
    EVENTS_TOTAL: "0",
    EVENTS_PER_SECOND: String(settings.workloads.eventsPerSecond),
    BAD_EVENT_RATIO: String(settings.workloads.badEventRatio),
    LIVENESS_TIMEOUT_SECONDS: String(settings.workloads.producerLivenessTimeoutSeconds),
    ...nodeOptions(settings, "producer"),
  } satisfies CommandEnvVars<"produce">;
}

/** `processor consume`: the events queue, the bucket it batches into and the batch bounds. */
export function consumerEnv(settings: Settings, inputs: WorkloadInputs): Record<string, string> {
  return {
    EVENTS_QUEUE_URL: inputs.eventsQueueUrl,
    EVENTS_BUCKET: inputs.eventsBucketName,
    BATCH_MAX_EVENTS: String(settings.workloads.consumerBatchMaxEvents),
    BATCH_MAX_AGE_SECONDS: String(settings.workloads.consumerBatchMaxAgeSeconds),
    VISIBILITY_TIMEOUT_SECONDS: String(settings.queues.eventsVisibilityTimeoutSeconds),
    SHUTDOWN_TIMEOUT_SECONDS: String(CONSUMER_DRAIN_SECONDS),
    ...nodeOptions(settings, "consumer"),
  } satisfies CommandEnvVars<"consume">;
}
