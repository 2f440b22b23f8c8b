/**
 * `processor preprocess`: a one-shot job started by KEDA. It receives S3-event messages one at a
 * time (long polling), preprocesses every object they name into the output bucket, and deletes a
 * message only when all its outputs (or error reports) are stored. It exits when the queue is
 * empty, after `maxMessages`, or on SIGTERM (releasing the message it holds).
 *
 * Failure policy, nothing lost:
 * - a file that can never be processed → `errors/<key>.json` with the reason; message deleted;
 * - a body that is not an S3 event → not deleted: the redrive policy moves it to the DLQ;
 * - transient errors → retried with backoff, then the message is left for redelivery.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Upload } from "@aws-sdk/lib-storage";
import type { Logger } from "pino";
import { errorReportKeyFor, INPUT_FORMATS, KEYS, resultKeysFor } from "../contract";
import { isTransientError, withRetries, type WithRetriesOptions } from "../retry";
import { ConfigurationError, isAccessDenied, PermanentFileError } from "./errors";
import { pythonJsonDumps } from "./pandas-format";
import { OUTPUT_FILES, preprocessFile, type GzipMode, type QualityMetrics } from "./pipeline";
import { parseS3EventMessage, type S3ObjectEvent } from "./s3-event";

/** Settings of one job run. */
export interface PreprocessJobOptions {
  readonly queueUrl: string;
  readonly outputBucket: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  /** Stop receiving and release the held message when aborted (SIGTERM). */
  readonly signal?: AbortSignal;
  /** Messages to handle before exiting; 0 = until the queue is empty. */
  readonly maxMessages?: number;
  /** Long-poll wait per receive (0–20 s); an empty receive ends the job. */
  readonly waitTimeSeconds?: number;
  /** Visibility the heartbeat keeps extending to while a message is worked on. */
  readonly visibilityTimeoutSeconds?: number;
  /** Interval of the heartbeat; must be shorter than the visibility timeout. */
  readonly heartbeatSeconds?: number;
  /** Local scratch directory (the input copy and the outputs before upload). */
  readonly workDir: string;
  /** Retries of transient failures per object. */
  readonly retry?: Partial<Pick<WithRetriesOptions, "attempts" | "baseDelayMs" | "maxDelayMs">>;
  /** Rows per DataFrame chunk. */
  readonly chunkRows?: number;
}

/** What a job run did. */
export interface PreprocessJobSummary {
  readonly received: number;
  readonly deleted: number;
  /** Messages left in the queue: not S3 events, or transient failures after the retries. */
  readonly left: number;
  readonly objectsProcessed: number;
  readonly errorReports: number;
  /** True when the job stopped because of the abort signal. */
  readonly stopped: boolean;
}

/** Validates the timing options, with messages naming the option. */
export function validateJobTiming(options: {
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  heartbeatSeconds: number;
}): void {
  const { waitTimeSeconds, visibilityTimeoutSeconds, heartbeatSeconds } = options;
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    throw new RangeError(`waitTimeSeconds must be an integer from 0 to 20, got ${waitTimeSeconds}`);
  }
  if (visibilityTimeoutSeconds < 1 || visibilityTimeoutSeconds > 43200) {
    throw new RangeError(
      `visibilityTimeoutSeconds must be from 1 to 43200, got ${visibilityTimeoutSeconds}`,
    );
  }
  if (heartbeatSeconds <= 0 || heartbeatSeconds >= visibilityTimeoutSeconds) {
    throw new RangeError(
      `heartbeatSeconds (${heartbeatSeconds}) must be more than 0 and less than visibilityTimeoutSeconds (${visibilityTimeoutSeconds})`,
    );
  }
}

/** The outcome of one message. */
type Outcome = "deleted" | "left" | "released";

/** Runs the job until the queue is empty, `maxMessages` are handled, or the signal aborts. */
export async function runPreprocessJob(
  options: PreprocessJobOptions,
): Promise<PreprocessJobSummary> {
  const timing = {
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 300,
    heartbeatSeconds: options.heartbeatSeconds ?? 60,
  };
  validateJobTiming(timing);
  const { sqs, logger, queueUrl, signal } = options;
  const maxMessages = options.maxMessages ?? 0;
  const counts = { received: 0, deleted: 0, left: 0, objectsProcessed: 0, errorReports: 0 };

  while (!signal?.aborted && (maxMessages === 0 || counts.received < maxMessages)) {
    let messages: Message[];
    try {
      const response = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: timing.waitTimeSeconds,
          VisibilityTimeout: timing.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
        { abortSignal: signal },
      );
      messages = response.Messages ?? [];
    } catch (err) {
      if (signal?.aborted) break;
      throw err;
    }
    const message = messages[0];
    if (!message) {
      logger.info({ queueUrl }, "queue empty");
      break;
    }
    counts.received++;
    const outcome = await handleMessage(message, options, timing, counts);
    if (outcome === "deleted") counts.deleted++;
    else counts.left++;
    if (outcome === "released") break;
  }
  const summary = { ...counts, stopped: signal?.aborted ?? false };
  logger.info(summary, "job finished");
  return summary;
}

async function handleMessage(
  message: Message,
  options: PreprocessJobOptions,
  timing: { visibilityTimeoutSeconds: number; heartbeatSeconds: number },
  counts: { objectsProcessed: number; errorReports: number },
): Promise<Outcome> {
  const { sqs, queueUrl, signal } = options;
  const messageId = message.MessageId;
  const receiptHandle = message.ReceiptHandle as string;
  const logger = options.logger.child({ messageId });
  logger.info(
    { receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) },
    "received",
  );

  const parsed = parseS3EventMessage(message.Body ?? "");
  if (parsed.kind === "invalid") {
    // Not deleted: after maxReceiveCount receives the redrive policy moves it to the DLQ.
    logger.error(
      { reason: parsed.reason },
      "message is not an S3 event; left in the queue for the dead-letter queue",
    );
    return "left";
  }
  if (parsed.kind === "test-event") {
    logger.info("s3:TestEvent ignored");
    await deleteMessage(sqs, queueUrl, receiptHandle, logger);
    return "deleted";
  }
  if (parsed.ignored.length > 0)
    logger.info({ eventNames: parsed.ignored }, "event records ignored");

  const heartbeat = startHeartbeat(sqs, queueUrl, receiptHandle, timing, logger);
  try {
    for (const object of parsed.objects) {
      await processObject(object, options, logger, counts);
    }
  } catch (err) {
    await heartbeat.stop();
    if (signal?.aborted) {
      await releaseMessage(sqs, queueUrl, receiptHandle, logger);
      return "released";
    }
    if (err instanceof ConfigurationError) {
      logger.error(
        { err: err.cause, code: err.code, reason: err.message },
        "configuration error: S3 denied access; message left for the dead-letter queue",
      );
      return "left";
    }
    logger.error(
      { err, transient: isTransientError(err) },
      "processing failed; message left for redelivery",
    );
    return "left";
  }
  await heartbeat.stop();
  // Everything is stored (even if SIGTERM came meanwhile): deleting is right.
  await deleteMessage(sqs, queueUrl, receiptHandle, logger);
  return "deleted";
}

/** What processing one object needs (the job's options, or `preprocess-object`'s). */
export type ObjectOptions = Pick<
  PreprocessJobOptions,
  "outputBucket" | "s3" | "signal" | "workDir" | "retry" | "chunkRows"
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
  const { s3, signal } = options;
  const dir = join(options.workDir, `preprocess-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  try {
    const inputPath = join(dir, "input.csv");
    let eTag: string | undefined;
    let contentEncoding: string | undefined;
    try {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
        { abortSignal: signal },
      );
      eTag = response.ETag?.replace(/"/g, "");
      contentEncoding = response.ContentEncoding;
      await pipeline(response.Body as Readable, createWriteStream(inputPath), { signal });
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") {
        throw new PermanentFileError(
          "missing_object",
          "the object does not exist (deleted after the event?)",
        );
      }
      if (name === "NoSuchBucket") {
        throw new PermanentFileError(
          "missing_object",
          `the bucket ${object.bucket} does not exist`,
        );
      }
      throw err;
    }
    logger.info({ eTag }, "downloaded");

    const outDir = join(dir, "out");
    const result = await preprocessFile(inputPath, outDir, {
      gzip: gzipModeFor(object.key, contentEncoding),
      signal,
      chunkRows: options.chunkRows,
      metricsExtra: { source: { bucket: object.bucket, key: object.key, etag: eTag ?? null } },
    });
    logger.info({ ...result.metrics }, "rows");

    const prefix = resultKeysFor(object.key, options.inputPrefix).resultsPrefix;
    // quality_metrics.json goes last: its presence means the other three are complete.
    const order = ["cleaned", "transformed", "departmentStatistics", "qualityMetrics"] as const;
    for (const name of order) {
      const key = `${prefix}${OUTPUT_FILES[name]}`;
      const abort = abortControllerFor(signal);
      const upload = new Upload({
        client: s3,
        params: {
          Bucket: options.outputBucket,
          Key: key,
          Body: createReadStream(result.files[name]),
          ContentType: name === "qualityMetrics" ? "application/json" : "text/csv; charset=utf-8",
        },
        partSize: 8 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
        abortController: abort.controller,
      });
      try {
        await upload.done();
      } finally {
        abort.dispose();
      }
    }
    logger.info({ bucket: options.outputBucket, prefix, files: order.length }, "written");
    return result.metrics;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

/**
 * A controller that follows `signal` (Upload takes a controller, not a signal). `dispose()` removes
 * the listener: the job's signal lives for the whole run, and one listener per upload would pile up.
 */
function abortControllerFor(signal: AbortSignal | undefined): {
  controller: AbortController;
  dispose(): void;
} {
  const controller = new AbortController();
  const follow = () => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener("abort", follow, { once: true });
  return { controller, dispose: () => signal?.removeEventListener("abort", follow) };
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

async function deleteMessage(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  logger: Logger,
): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  logger.info("deleted");
}

/** Makes the message visible again at once, so another job can take it (SIGTERM). */
async function releaseMessage(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  logger: Logger,
): Promise<void> {
  try {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    logger.info("released");
  } catch (err) {
    // It becomes visible anyway when its visibility timeout ends.
    logger.warn({ err }, "release failed");
  }
}

/**
 * Extends the message's visibility every `heartbeatSeconds` while it is worked on. `stop()` waits
 * for an extension still in flight: one landing after the release would hide the message again for
 * the whole visibility timeout.
 */
function startHeartbeat(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  timing: { visibilityTimeoutSeconds: number; heartbeatSeconds: number },
  logger: Logger,
): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const extension: Promise<void> = sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: timing.visibilityTimeoutSeconds,
        }),
      )
      .then(
        () => logger.debug("heartbeat"),
        (err: unknown) => logger.warn({ err }, "heartbeat failed"),
      )
      .finally(() => inFlight.delete(extension));
    inFlight.add(extension);
  }, timing.heartbeatSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
