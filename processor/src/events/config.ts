/**
 * The environment of `processor produce` and `processor consume` (names, schemas and defaults in the
 * contract). Parsed once at start; a bad value fails with the variable's name.
 */
import {
  CONSUMER_DEFAULTS,
  consumeEnvSchema,
  parseEnv,
  produceEnvSchema,
  type ConsumeEnv,
  type ProduceEnv,
} from "../contract";
import type { ConsumerTuning } from "./consumer-options";

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
    maxHeldBytes: env.MAX_HELD_BYTES,
    flushConcurrency: env.FLUSH_CONCURRENCY,
    deleteConcurrency: env.DELETE_CONCURRENCY,
    deleteAttempts: CONSUMER_DEFAULTS.deleteAttempts,
    dedupWindow: env.DEDUP_WINDOW,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
  };
}
