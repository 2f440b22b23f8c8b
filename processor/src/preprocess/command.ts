/**
 * The CLI glue of `processor preprocess`: environment, clients, logger and SIGTERM handling
 * around {@link runPreprocessJob}.
 */
import { tmpdir } from "node:os";
import { awsSettingsFromEnv, createS3Client, createSqsClient } from "../aws";
import { parseEnv, preprocessEnvSchema } from "../contract";
import { createLogger } from "../log";
import { installShutdown } from "../shutdown";
import { runPreprocessJob, validateJobTiming } from "./job";

/** `processor preprocess`: exit 0 when done or stopped by SIGTERM. */
export async function preprocessCommand(
  _args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const config = parseEnv(preprocessEnvSchema, env);
  const timing = {
    waitTimeSeconds: config.WAIT_TIME_SECONDS,
    visibilityTimeoutSeconds: config.VISIBILITY_TIMEOUT_SECONDS,
    heartbeatSeconds: config.HEARTBEAT_SECONDS,
  };
  try {
    validateJobTiming(timing);
  } catch (err) {
    throw new Error(
      `invalid environment: ${(err as Error).message
        .replace("waitTimeSeconds", "WAIT_TIME_SECONDS")
        .replace("visibilityTimeoutSeconds", "VISIBILITY_TIMEOUT_SECONDS")
        .replace("heartbeatSeconds", "HEARTBEAT_SECONDS")}`,
      { cause: err },
    );
  }
  const logger = createLogger({ level: config.LOG_LEVEL, base: { command: "preprocess" } });
  const shutdown = installShutdown(logger);
  const aws = awsSettingsFromEnv(env);
  const s3 = createS3Client(aws);
  const sqs = createSqsClient(aws);
  try {
    await runPreprocessJob({
      queueUrl: config.PREPROCESS_QUEUE_URL,
      outputBucket: config.OUTPUT_BUCKET,
      s3,
      sqs,
      logger,
      signal: shutdown.signal,
      maxMessages: config.MAX_MESSAGES,
      workDir: config.WORK_DIR ?? tmpdir(),
      maxInputBytes: config.MAX_INPUT_BYTES,
      stallTimeoutSeconds: config.STALL_TIMEOUT_SECONDS,
      redeliveryBackoffSeconds: config.REDELIVERY_BACKOFF_SECONDS,
      ...(config.READY_FILE === undefined ? {} : { readyFile: config.READY_FILE }),
      ...timing,
    });
    return 0;
  } finally {
    shutdown.dispose();
    s3.destroy();
    sqs.destroy();
  }
}
