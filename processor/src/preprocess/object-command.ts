/**
 * `processor preprocess-object --bucket B --key K [--prefix P]`: preprocess one named object, the
 * command of the Job the orchestrated path's state machine starts (no queue involved). The same
 * per-object step as `processor preprocess` ({@link processObject}): results under the prefix the
 * contract's `resultKeysFor(key, P)` gives (P defaults to `input/`; the orchestrated path passes
 * its `batch/`), or `errors/<key>.json` for a file that can never be processed.
 *
 * Exit codes: 0 — outputs written, or an error report written (the file is rejected for good, so
 * a retry would not help; the workflow finds no metrics and reports the failure); 1 — a transient
 * failure outlasted the retries, or SIGTERM stopped the work (the workflow retries the Job);
 * 2 — bad arguments or environment; 3 — S3 denied access (a configuration error: the job's role or
 * the bucket or key policy is wrong; logged as such, no error report, since the file is not at fault).
 */
import { tmpdir } from "node:os";
import { awsSettingsFromEnv, createS3Client } from "../aws";
import { KEYS, PATH_PREFIX_PATTERN, parseEnv, preprocessObjectEnvSchema } from "../contract";
import { createLogger } from "../log";
import { installShutdown } from "../shutdown";
import { ConfigurationError } from "./errors";
import { processObject } from "./object-processing";

/** The arguments of one invocation. */
export interface PreprocessObjectArgs {
  readonly bucket: string;
  readonly key: string;
  /** Raw key prefix the output keys drop (`input/` unless given; a given one must hold the key). */
  readonly prefix: string;
}

export const PREPROCESS_OBJECT_USAGE = "--bucket BUCKET --key KEY [--prefix PREFIX/]";

/** Parses `--bucket B --key K [--prefix P]` (also `--name=value`); throws naming the problem. */
export function parsePreprocessObjectArgs(argv: readonly string[]): PreprocessObjectArgs {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--(bucket|key|prefix)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    const name = match[1] as string;
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === "") throw new Error(`--${name} needs a value`);
    if (name in values) throw new Error(`--${name} is given twice`);
    values[name] = value;
  }
  const { bucket, key } = values;
  if (bucket === undefined) throw new Error("--bucket is required");
  if (key === undefined) throw new Error("--key is required");
  if (values.prefix === undefined) return { bucket, key, prefix: KEYS.inputPrefix };
  const prefix = values.prefix;
  if (!PATH_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`--prefix must be a folder prefix like batch/, got ${JSON.stringify(prefix)}`);
  }
  // An explicit prefix the key is not under means the caller is misconfigured: write nothing.
  if (!key.startsWith(prefix) || key.length === prefix.length) {
    throw new Error(`--key must name an object under ${prefix}, got ${JSON.stringify(key)}`);
  }
  return { bucket, key, prefix };
}

/** `processor preprocess-object`: see the module comment for the exit codes. */
export async function preprocessObjectCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let args: PreprocessObjectArgs;
  try {
    args = parsePreprocessObjectArgs(argv);
  } catch (err) {
    process.stderr.write(
      `processor preprocess-object: ${(err as Error).message}\nusage: processor preprocess-object ${PREPROCESS_OBJECT_USAGE}\n`,
    );
    return 2;
  }
  const config = parseEnv(preprocessObjectEnvSchema, env);
  const logger = createLogger({
    level: config.LOG_LEVEL,
    base: { command: "preprocess-object" },
  });
  const shutdown = installShutdown(logger);
  const s3 = createS3Client(awsSettingsFromEnv(env));
  const counts = { objectsProcessed: 0, errorReports: 0 };
  try {
    await processObject(
      { eventName: "ObjectCreated:Orchestrated", bucket: args.bucket, key: args.key },
      {
        s3,
        outputBucket: config.OUTPUT_BUCKET,
        workDir: config.WORK_DIR ?? tmpdir(),
        maxInputBytes: config.MAX_INPUT_BYTES,
        stallTimeoutSeconds: config.STALL_TIMEOUT_SECONDS,
        signal: shutdown.signal,
        inputPrefix: args.prefix,
      },
      logger,
      counts,
    );
    const outcome = counts.objectsProcessed === 1 ? "processed" : "rejected";
    logger.info({ bucket: args.bucket, key: args.key, outcome }, "object done");
    return 0;
  } catch (err) {
    if (err instanceof ConfigurationError) {
      logger.error(
        { err: err.cause, code: err.code, reason: err.message },
        "configuration error: S3 denied access",
      );
      return 3;
    }
    // Not rejected for good: the Job fails so that the workflow's retry runs it again.
    const stopped = shutdown.signal.aborted;
    logger.error({ err, stopped }, stopped ? "stopped before the object was done" : "failed");
    return 1;
  } finally {
    shutdown.dispose();
    s3.destroy();
  }
}
