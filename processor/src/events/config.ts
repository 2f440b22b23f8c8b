/**
 * The environment of `processor produce` and `processor consume` (contract names from DESIGN.md, plus
 * optional tuning with defaults). Parsed once at start; a bad value fails with the variable's name.
 */
import { z } from "zod";
import {
  commonEnvSchema,
  nonNegativeInt,
  nonNegativeNumber,
  parseEnv,
  positiveInt,
  requiredString,
} from "../env";
import { CONSUMER_DEFAULTS, type ConsumerTuning } from "./consumer";

/**
 * Port of /healthz, /readyz and /metrics: the value of METRICS_PORT in infra/names.ts, which the
 * processor package cannot import. 0 picks a free port (several processes on one machine).
 */
export const DEFAULT_METRICS_PORT = 9464;

const port = z.preprocess(
  (v) => (v === undefined || v === "" ? DEFAULT_METRICS_PORT : Number(v)),
  z.number({ error: "must be a number" }).int("must be an integer").min(0).max(65_535),
);

const ratio = nonNegativeNumber(0.05).pipe(z.number().max(1, "must be between 0 and 1"));

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
  METRICS_PORT: port,
});

export type ProduceEnv = z.infer<typeof produceEnvSchema>;

const d = CONSUMER_DEFAULTS;

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

export type ConsumeEnv = z.infer<typeof consumeEnvSchema>;

/** Parses the producer's environment (throws EnvError naming each bad variable). */
export function parseProduceEnv(env: Readonly<Record<string, string | undefined>>): ProduceEnv {
  return parseEnv(produceEnvSchema, env);
}

/** Parses the consumer's environment (throws EnvError naming each bad variable). */
export function parseConsumeEnv(env: Readonly<Record<string, string | undefined>>): ConsumeEnv {
  return parseEnv(consumeEnvSchema, env);
}

/** The consumer tuning an environment asks for. */
export function tuningFromEnv(env: ConsumeEnv): ConsumerTuning {
  return {
    batchMaxEvents: env.BATCH_MAX_EVENTS,
    batchMaxBytes: env.BATCH_MAX_BYTES,
    batchMaxAgeSeconds: env.BATCH_MAX_AGE_SECONDS,
    receiveConcurrency: env.RECEIVE_CONCURRENCY,
    waitTimeSeconds: env.RECEIVE_WAIT_SECONDS,
    visibilityTimeoutSeconds: env.VISIBILITY_TIMEOUT_SECONDS,
    maxHeldMessages: env.MAX_HELD_MESSAGES,
    flushConcurrency: env.FLUSH_CONCURRENCY,
    deleteConcurrency: env.DELETE_CONCURRENCY,
    deleteAttempts: CONSUMER_DEFAULTS.deleteAttempts,
    dedupWindow: env.DEDUP_WINDOW,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
  };
}
