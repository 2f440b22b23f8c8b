/**
 * The environments local pods run with: the containers' own from the specs, the intervals a pod
 * applies itself shortened by the run's time scale, and what every child needs on this machine
 * (the emulator, a free port).
 */
import {
  CONSUMER_DEFAULTS,
  envDefaults,
  minVisibilityTimeoutSeconds,
  type CommandEnvVars,
} from "@pipeline/processor/contract";
import { emulatorEnvironment } from "./emulator";
import type { LocalWorkloadSpecs } from "./specs";

/** The environment the processor's commands get on top of their spec's: emulator, free ports. */
export function launcherEnv(endpoint: string, region: string): Record<string, string> {
  return {
    ...emulatorEnvironment(endpoint, region),
    // Several pods share this machine: each health/metrics server takes a free port.
    ...({ METRICS_PORT: "0", LOG_LEVEL: "info" } satisfies CommandEnvVars<"consume">),
  };
}

/**
 * The pods' environments: their containers' from the specs, with the intervals a pod applies
 * itself shortened by the time scale: the consumer's batch age and long-poll wait, the visibility
 * timeout each pod asks for on every receive (so a message of a stopped pod reappears as soon as the shortened
 * queue's would), the preprocess heartbeat and redelivery back-off, and the long poll after which
 * a preprocess job that finds the queue empty exits.
 */
export function podEnvironments(
  specs: LocalWorkloadSpecs,
  timeScale: number,
): { consumerEnv: Record<string, string>; preprocessEnv: Record<string, string> } {
  const scaled = (value: string | undefined, fallback: string | number | undefined) =>
    Math.round(Number(value ?? fallback) * timeScale);
  const consumer: CommandEnvVars<"consume"> = specs.env.consumer;
  const preprocess: CommandEnvVars<"preprocess"> = specs.env.preprocess;
  const preprocessDefaults = envDefaults("preprocess");
  const age = Math.max(
    0.5,
    Number(consumer.BATCH_MAX_AGE_SECONDS ?? CONSUMER_DEFAULTS.batchMaxAgeSeconds) * timeScale,
  );
  // The consumer refuses a visibility timeout shorter than the contract's rule for its batch age.
  const consumerVisibility = Math.max(
    Math.ceil(minVisibilityTimeoutSeconds(age)),
    scaled(consumer.VISIBILITY_TIMEOUT_SECONDS, CONSUMER_DEFAULTS.visibilityTimeoutSeconds),
  );
  const preprocessVisibility = Math.max(
    10,
    scaled(preprocess.VISIBILITY_TIMEOUT_SECONDS, preprocessDefaults.VISIBILITY_TIMEOUT_SECONDS),
  );
  return {
    consumerEnv: {
      ...specs.env.consumer,
      ...({
        BATCH_MAX_AGE_SECONDS: String(age),
        VISIBILITY_TIMEOUT_SECONDS: String(consumerVisibility),
        // A stopping consumer first waits out its open long poll: 20 s of every scale-down and of
        // every run's end, unscaled.
        RECEIVE_WAIT_SECONDS: String(
          Math.max(1, scaled(consumer.RECEIVE_WAIT_SECONDS, CONSUMER_DEFAULTS.waitTimeSeconds)),
        ),
      } satisfies CommandEnvVars<"consume">),
    },
    preprocessEnv: {
      ...specs.env.preprocess,
      ...({
        WAIT_TIME_SECONDS: String(
          Math.max(1, scaled(preprocess.WAIT_TIME_SECONDS, preprocessDefaults.WAIT_TIME_SECONDS)),
        ),
        VISIBILITY_TIMEOUT_SECONDS: String(preprocessVisibility),
        HEARTBEAT_SECONDS: String(Math.max(1, Math.floor(preprocessVisibility / 3))),
        REDELIVERY_BACKOFF_SECONDS: String(
          Math.max(
            1,
            scaled(
              preprocess.REDELIVERY_BACKOFF_SECONDS,
              preprocessDefaults.REDELIVERY_BACKOFF_SECONDS,
            ),
          ),
        ),
      } satisfies CommandEnvVars<"preprocess">),
    },
  };
}
