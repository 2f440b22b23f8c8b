/**
 * One S3 object through the preprocessing: download (gunzip by suffix or Content-Encoding), the two
 * passes, the four results uploaded under the contract's results prefix, or the error report for a
 * file that can never be processed. Shared by the KEDA job (`job.ts`) and `preprocess-object`.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import {
  DEFAULT_MAX_INPUT_MIB,
  DEFAULT_STALL_TIMEOUT_SECONDS,
  errorReportKeyFor,
  INPUT_FORMATS,
  KEYS,
  MIB,
  resultKeysFor,
} from "../contract";
import { withRetries, type WithRetriesOptions } from "../retry";
import { ConfigurationError, isAccessDenied, PermanentFileError, tooLargeError } from "./errors";
import { pythonJsonDumps } from "./pandas-format";
import { OUTPUT_FILES, preprocessFile, type GzipMode, type QualityMetrics } from "./pipeline";
import { type S3ObjectEvent } from "./s3-event";
import type { PreprocessJobOptions } from "./job";
import { downloadObject, uploadFile } from "./transfer";

/** What processing one object needs (the job's options, or `preprocess-object`'s). */
export type ObjectOptions = Pick<
  PreprocessJobOptions,
  | "outputBucket"
  | "s3"
  | "signal"
  | "workDir"
  | "retry"
  | "chunkRows"
  | "maxInputBytes"
  | "stallTimeoutSeconds"
> & {
  /** Raw key prefix the output keys drop (default `input/`). */
  readonly inputPrefix?: string;
};

/**
 * Preprocesses one object, or writes its error report when it can never be processed; throws on a
 * transient failure that outlasted the retries.
 */
export async function processObject(
  object: S3ObjectEvent,
  options: ObjectOptions,
  parentLogger: Logger,
  counts: { objectsProcessed: number; errorReports: number },
): Promise<void> {
  const logger = parentLogger.child({ bucket: object.bucket, key: object.key });
  const retry: WithRetriesOptions = {
    attempts: options.retry?.attempts ?? 4,
    baseDelayMs: options.retry?.baseDelayMs ?? 500,
    maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
    signal: options.signal,
    onRetry: (err, attempt, delayMs) =>
      logger.warn({ err, attempt, delayMs }, "transient failure; retrying"),
  };
  try {
    // Exactly `.csv` or `.csv.gz` (as S3's suffix filter matches): `x.CSV` would share a results
    // prefix with another key under a case-insensitive rule, so it is rejected (contract:
    // resultKeysFor, INPUT_FORMATS).
    if (!INPUT_FORMATS.some((format) => object.key.endsWith(format.suffix))) {
      throw new PermanentFileError(
        "not_csv_key",
        `the key does not end with ${INPUT_FORMATS.map((f) => f.suffix).join(" or ")}`,
      );
    }
    const pathPrefix = options.inputPrefix ?? KEYS.inputPrefix;
    if (!object.key.startsWith(pathPrefix)) {
      throw new PermanentFileError("outside_path", `the key is not under ${pathPrefix}`);
    }
    // The event names the size: a file too large for the scratch disk is never downloaded.
    const maxBytes = maxInputBytesOf(options);
    if (object.size !== undefined && object.size > maxBytes) {
      throw tooLargeError(`the object is ${object.size} bytes (as its event says)`, maxBytes);
    }
    // Several requests and a download stream the SDK cannot resume: retried as a whole (../retry).
    await withRetries(() => preprocessObject(object, options, logger), retry);
    counts.objectsProcessed++;
  } catch (err) {
    if (isAccessDenied(err)) throw accessDenied(object, err);
    if (!(err instanceof PermanentFileError)) throw err;
    logger.warn({ code: err.code, reason: err.message }, "file cannot be processed");
    // One PutObject of a small in-memory body: the SDK's own retry strategy covers it.
    try {
      await writeErrorReport(object, err, options);
    } catch (writeErr) {
      throw isAccessDenied(writeErr) ? accessDenied(object, writeErr) : writeErr;
    }
    counts.errorReports++;
    logger.info({ errorKey: errorReportKeyFor(object.key) }, "error report written");
  }
}

/** The configuration error for S3's 403 on `object`'s download or on the job's writes. */
function accessDenied(object: S3ObjectEvent, err: unknown): ConfigurationError {
  return new ConfigurationError(
    `S3 denied access while processing s3://${object.bucket}/${object.key}: the role needs ` +
      "s3:GetObject on the key and s3:ListBucket on its prefix, s3:PutObject on the outputs, " +
      "and kms:Decrypt/GenerateDataKey on the data key",
    err,
  );
}

/** Download → preprocess → upload, in a scratch directory that is always removed. */
async function preprocessObject(
  object: S3ObjectEvent,
  options: ObjectOptions,
  logger: Logger,
): Promise<QualityMetrics> {
  const { signal } = options;
  const transfers = {
    s3: options.s3,
    signal,
    logger,
    stallSeconds: options.stallTimeoutSeconds ?? DEFAULT_STALL_TIMEOUT_SECONDS,
  };
  const maxBytes = maxInputBytesOf(options);
  const dir = join(options.workDir, `preprocess-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  try {
    const inputPath = join(dir, "input.csv");
    const { eTag, contentEncoding } = await downloadObject(object, inputPath, maxBytes, transfers);
    logger.info({ eTag }, "downloaded");

    const outDir = join(dir, "out");
    const result = await preprocessFile(inputPath, outDir, {
      gzip: gzipModeFor(object.key, contentEncoding),
      maxPlainBytes: maxBytes,
      signal,
      chunkRows: options.chunkRows,
      metricsExtra: { source: { bucket: object.bucket, key: object.key, etag: eTag ?? null } },
    });
    logger.info({ ...result.metrics }, "rows");

    const prefix = resultKeysFor(object.key, options.inputPrefix).resultsPrefix;
    // quality_metrics.json goes last: its presence means the other three are complete.
    const order = ["cleaned", "transformed", "departmentStatistics", "qualityMetrics"] as const;
    for (const name of order) {
      const upload = {
        bucket: options.outputBucket,
        key: `${prefix}${OUTPUT_FILES[name]}`,
        path: result.files[name],
        contentType: name === "qualityMetrics" ? "application/json" : "text/csv; charset=utf-8",
      };
      await uploadFile(upload, transfers);
    }
    logger.info({ bucket: options.outputBucket, prefix, files: order.length }, "written");
    return result.metrics;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The largest upload `options` accept, bytes. */
function maxInputBytesOf(options: ObjectOptions): number {
  return options.maxInputBytes ?? DEFAULT_MAX_INPUT_MIB * MIB;
}

/** The compressed upload format of the contract (its results root carries the `.gz` tag). */
const GZIP_FORMAT = INPUT_FORMATS.find((f) => f.tag === ".gz") as (typeof INPUT_FORMATS)[number];

/**
 * Whether an object must be, or must not be, gzip: a `.csv.gz` key or `Content-Encoding: gzip`
 * (S3 keeps Content-Encoding as object metadata and returns the stored bytes; the SDK's Node HTTP
 * handler does not decode them) means compressed; otherwise a gzip body is refused with an error
 * that names the cause.
 */
export function gzipModeFor(key: string, contentEncoding: string | undefined): GzipMode {
  const gzipKey = key.endsWith(GZIP_FORMAT.suffix);
  const gzipEncoding = (contentEncoding ?? "")
    .split(",")
    .some((coding) => coding.trim().toLowerCase() === "gzip");
  return gzipKey || gzipEncoding ? "require" : "refuse";
}

/** `errors/<input key>.json`: deterministic content, so a redelivery rewrites the same object. */
async function writeErrorReport(
  object: S3ObjectEvent,
  error: PermanentFileError,
  options: ObjectOptions,
): Promise<void> {
  const report = {
    bucket: object.bucket,
    key: object.key,
    etag: object.eTag ?? null,
    error: error.code,
    reason: error.message,
  };
  await options.s3.send(
    new PutObjectCommand({
      Bucket: options.outputBucket,
      Key: errorReportKeyFor(object.key),
      Body: pythonJsonDumps(report),
      ContentType: "application/json",
    }),
  );
}
