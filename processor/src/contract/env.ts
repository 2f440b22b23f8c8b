/**
 * The environment of every processor command: variable names, zod schemas and defaults. The
 * processor parses its environment with these schemas; the Kubernetes specs and local mode build
 * environments typed by them ({@link EnvVars}), so a misspelt name fails the typecheck.
 */
import { z } from "zod";
import {
  commonEnvSchema,
  nonNegativeInt,
  nonNegativeNumber,
  optionalString,
  positiveInt,
  requiredString,
} from "./env-parse";
import { METRICS_PORT } from "./ports";
import { DEFAULT_MAX_INPUT_MIB, MIB } from "./scratch";

/** Variables of a command's schema, as strings (what a container or child process is given). */
export type EnvVars<S extends z.ZodObject> = { readonly [K in keyof S["shape"]]?: string };

/**
 * Largest upload accepted, bytes (as stored; a gzip upload also decompressed): a larger one gets an
 * error report instead of a download (./scratch.ts sizes the pod's disk from it).
 */
const maxInputBytes = positiveInt(DEFAULT_MAX_INPUT_MIB * MIB);

/**
 * Seconds a download or upload may move no bytes before its attempt fails (preprocess/transfer.ts):
 * shorter than the S3 client's 60 s idle-socket timeout (../aws.ts), so the job's own log line names
 * the stalled transfer first.
 */
export const DEFAULT_STALL_TIMEOUT_SECONDS = 30;

const stallTimeoutSeconds = positiveInt(DEFAULT_STALL_TIMEOUT_SECONDS);

/**
 * Seconds a preprocess message stays hidden after its first transient failure, doubled per
 * receive up to the visibility timeout (preprocess/redelivery.ts).
 */
export const DEFAULT_REDELIVERY_BACKOFF_SECONDS = 30;

/** `processor preprocess`: drain the S3-event queue, write results to the processed bucket. */
export const preprocessEnvSchema = commonEnvSchema.extend({
  PREPROCESS_QUEUE_URL: requiredString("URL of the preprocess SQS queue"),
  OUTPUT_BUCKET: requiredString("name of the processed-data bucket"),
  /** 0 = until the queue is empty. */
  MAX_MESSAGES: nonNegativeInt(0),
  WAIT_TIME_SECONDS: z.preprocess(
    (v) => (v === undefined || v === "" ? 20 : Number(v)),
    z.number({ error: "must be a number" }).int().min(0).max(20, "must be from 0 to 20"),
  ),
  VISIBILITY_TIMEOUT_SECONDS: positiveInt(300),
  HEARTBEAT_SECONDS: positiveInt(60),
  WORK_DIR: optionalString(),
  MAX_INPUT_BYTES: maxInputBytes,
  STALL_TIMEOUT_SECONDS: stallTimeoutSeconds,
  REDELIVERY_BACKOFF_SECONDS: positiveInt(DEFAULT_REDELIVERY_BACKOFF_SECONDS),
  /**
   * A file the job creates once it holds its first message: the pod's readiness probe tests for
   * it, so KEDA (`pendingPodConditions: ["Ready"]`) counts a job as pending until its message has
   * left the visible count. Unset: no file.
   */
  READY_FILE: optionalString(),
});

/** `processor preprocess-object`: one named object, results to the processed bucket. */
export const preprocessObjectEnvSchema = commonEnvSchema.extend({
  OUTPUT_BUCKET: requiredString("name of the processed-data bucket"),
  WORK_DIR: optionalString(),
  MAX_INPUT_BYTES: maxInputBytes,
  STALL_TIMEOUT_SECONDS: stallTimeoutSeconds,
});

/** METRICS_PORT: 0 picks a free port (several processes on one machine). */
const port = z.preprocess(
  (v) => (v === undefined || v === "" ? METRICS_PORT : Number(v)),
  z.number({ error: "must be a number" }).int("must be an integer").min(0).max(65_535),
);

const ratio = nonNegativeNumber(0.05).pipe(z.number().max(1, "must be between 0 and 1"));

/** Default of the producer's liveness timeout (the `workloads.producerLivenessTimeoutSeconds` setting). */
export const PRODUCER_LIVENESS_TIMEOUT_SECONDS = 120;

/** `processor produce`: send generated store events to the events queue. */
export const produceEnvSchema = commonEnvSchema.extend({
  EVENTS_QUEUE_URL: requiredString("URL of the events queue"),
  /** Events to send; 0 = until stopped. */
  EVENTS_TOTAL: nonNegativeInt(0),
  /** Events per second; 0 = as fast as the queue accepts. */
  EVENTS_PER_SECOND: nonNegativeNumber(5),
  /** Share of events sent without store_id (they end in quarantine/). */
  BAD_EVENT_RATIO: ratio,
  /** SendMessageBatch calls in flight. */
  PRODUCE_CONCURRENCY: positiveInt(4),
  /** The liveness probe fails when no send has succeeded for this long while sends were due. */
  LIVENESS_TIMEOUT_SECONDS: positiveInt(PRODUCER_LIVENESS_TIMEOUT_SECONDS),
  METRICS_PORT: port,
});

/** The consumer's tuning defaults (the values of `processor consume`'s variables when unset). */
export const CONSUMER_DEFAULTS = {
  batchMaxEvents: 5000,
  batchMaxBytes: 8 * 1024 * 1024,
  batchMaxAgeSeconds: 30,
  receiveConcurrency: 4,
  waitTimeSeconds: 20,
  visibilityTimeoutSeconds: 120,
  maxHeldMessages: 20_000,
  /** Bytes of records held at most; 0 = a quarter of the V8 heap limit (which follows the container). */
  maxHeldBytes: 0,
  flushConcurrency: 4,
  deleteConcurrency: 8,
  deleteAttempts: 5,
  dedupWindow: 200_000,
  shutdownTimeoutSeconds: 20,
} as const;

const d = CONSUMER_DEFAULTS;

/** `processor consume`: batch the events queue into objects in the events bucket. */
export const consumeEnvSchema = commonEnvSchema.extend({
  EVENTS_QUEUE_URL: requiredString("URL of the events queue"),
  EVENTS_BUCKET: requiredString("name of the events bucket"),
  BATCH_MAX_EVENTS: positiveInt(d.batchMaxEvents),
  BATCH_MAX_BYTES: positiveInt(d.batchMaxBytes),
  BATCH_MAX_AGE_SECONDS: nonNegativeNumber(d.batchMaxAgeSeconds).pipe(
    z.number().positive("must be > 0"),
  ),
  RECEIVE_CONCURRENCY: positiveInt(d.receiveConcurrency),
  RECEIVE_WAIT_SECONDS: positiveInt(d.waitTimeSeconds).pipe(z.number().max(20, "must be <= 20")),
  VISIBILITY_TIMEOUT_SECONDS: positiveInt(d.visibilityTimeoutSeconds).pipe(
    z.number().max(43_200, "must be <= 43200"),
  ),
  MAX_HELD_MESSAGES: positiveInt(d.maxHeldMessages),
  MAX_HELD_BYTES: nonNegativeInt(d.maxHeldBytes),
  FLUSH_CONCURRENCY: positiveInt(d.flushConcurrency),
  DELETE_CONCURRENCY: positiveInt(d.deleteConcurrency),
  DEDUP_WINDOW: nonNegativeInt(d.dedupWindow),
  SHUTDOWN_TIMEOUT_SECONDS: nonNegativeNumber(d.shutdownTimeoutSeconds).pipe(
    z.number().positive("must be > 0"),
  ),
  /** The liveness probe fails when neither a receive nor a write has finished for this long. */
  LIVENESS_TIMEOUT_SECONDS: positiveInt(180),
  METRICS_PORT: port,
});

export type PreprocessEnv = z.infer<typeof preprocessEnvSchema>;
export type PreprocessObjectEnv = z.infer<typeof preprocessObjectEnvSchema>;
export type ProduceEnv = z.infer<typeof produceEnvSchema>;
export type ConsumeEnv = z.infer<typeof consumeEnvSchema>;

/** The variables each command reads, by command name (`processor <command>`). */
export const COMMAND_ENV_SCHEMAS = {
  preprocess: preprocessEnvSchema,
  "preprocess-object": preprocessObjectEnvSchema,
  produce: produceEnvSchema,
  consume: consumeEnvSchema,
} as const;

/** A command that reads its environment through a schema above. */
export type EnvCommand = keyof typeof COMMAND_ENV_SCHEMAS;

/** The string environment of one command (e.g. `CommandEnvVars<"consume">`). */
export type CommandEnvVars<C extends EnvCommand> = EnvVars<(typeof COMMAND_ENV_SCHEMAS)[C]>;

/** The defaults of a command's variables, as strings (what an unset variable means). */
export function envDefaults<C extends EnvCommand>(command: C): CommandEnvVars<C> {
  const schema = COMMAND_ENV_SCHEMAS[command];
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const parsed = (schema.shape as Record<string, z.ZodType>)[name]?.safeParse(undefined);
    if (parsed?.success && parsed.data !== undefined) out[name] = String(parsed.data);
  }
  return out as CommandEnvVars<C>;
}
