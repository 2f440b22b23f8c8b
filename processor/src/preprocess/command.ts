/**
 * The CLI glue of `processor preprocess`: environment, clients, logger and SIGTERM handling
 * around {@link runPreprocessJob}.
 */
import { tmpdir } from "node:os";
import { z } from "zod";
import { awsSettingsFromEnv, createS3Client, createSqsClient } from "../aws";
import {
  commonEnvSchema,
  nonNegativeInt,
  optionalString,
  parseEnv,
  positiveInt,
  requiredString,
} from "../env";
import { createLogger } from "../log";
import { installShutdown } from "../shutdown";
import { runPreprocessJob, validateJobTiming } from "./job";

/** The environment of `processor preprocess` (contract: DESIGN.md). */
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
});

export type PreprocessEnv = z.infer<typeof preprocessEnvSchema>;

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
      ...timing,
    });
    return 0;
  } finally {
    shutdown.dispose();
    s3.destroy();
    sqs.destroy();
  }
}
