/**
 * `processor preprocess`: a one-shot job started by KEDA. It receives S3-event messages one at a
 * time (long polling), preprocesses every object they name into the output bucket, and deletes a
 * message only when all its outputs (or error reports) are stored. It exits when the queue is
 * empty, after `maxMessages`, or on SIGTERM (releasing the message it holds).
 *
 * Failure policy, nothing lost:
 * - a file that can never be processed → `errors/<key>.json` with the reason; message deleted;
 * - a body that is not an S3 event → not deleted: the redrive policy moves it to the DLQ;
 * - transient errors → retried with backoff, then the message is released for another try after
 *   a back-off that grows with its receive count (./redelivery.ts), until the DLQ takes it.
 */
import { writeFile } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import { DEFAULT_REDELIVERY_BACKOFF_SECONDS } from "../contract";
import { isTransientError, type WithRetriesOptions } from "../retry";
import { ConfigurationError } from "./errors";
import { processObject } from "./object-processing";
import { changeVisibility, redeliveryDelaySeconds, type HeldMessage } from "./redelivery";
import { parseS3EventMessage } from "./s3-event";

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
  /**
   * Created (empty) once the first message is held: the pod's readiness signal, so the scaler stops
   * counting this job as pending exactly when its message stops counting as visible.
   */
  readonly readyFile?: string;
  /** Local scratch directory (the input copy and the outputs before upload). */
  readonly workDir: string;
  /** Retries of transient failures per object. */
  readonly retry?: Partial<Pick<WithRetriesOptions, "attempts" | "baseDelayMs" | "maxDelayMs">>;
  /** Rows per DataFrame chunk. */
  readonly chunkRows?: number;
  /** Largest upload accepted, bytes (default: the contract's DEFAULT_MAX_INPUT_MIB). */
  readonly maxInputBytes?: number;
  /** A download or upload with no bytes moving for this long fails its attempt (default 30). */
  readonly stallTimeoutSeconds?: number;
  /** Hidden time after a first transient failure, doubled per receive (default 30). */
  readonly redeliveryBackoffSeconds?: number;
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
    if (counts.received === 1 && options.readyFile) await writeFile(options.readyFile, "");
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
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  const held: HeldMessage = { sqs, queueUrl, receiptHandle, logger };
  logger.info({ receiveCount }, "received");

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
      // Visible again at once, so another job can take it.
      if (await changeVisibility(held, 0)) logger.info("released");
      return "released";
    }
    if (err instanceof ConfigurationError) {
      logger.error(
        { err: err.cause, code: err.code, reason: err.message },
        "configuration error: S3 denied access; message left for the dead-letter queue",
      );
      return "left";
    }
    if (!isTransientError(err)) {
      logger.error({ err, transient: false }, "processing failed; message left for redelivery");
      return "left";
    }
    const delaySeconds = redeliveryDelaySeconds(
      receiveCount,
      options.redeliveryBackoffSeconds ?? DEFAULT_REDELIVERY_BACKOFF_SECONDS,
      timing.visibilityTimeoutSeconds,
    );
    await changeVisibility(held, delaySeconds);
    logger.error(
      { err, transient: true, receiveCount, delaySeconds },
      "processing failed; message visible again after a back-off",
    );
    return "left";
  }
  await heartbeat.stop();
  // Everything is stored (even if SIGTERM came meanwhile): deleting is right.
  await deleteMessage(sqs, queueUrl, receiptHandle, logger);
  return "deleted";
}

/** Deletes the message once everything it named is stored. */
async function deleteMessage(
  sqs: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  logger: Logger,
): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  logger.info("deleted");
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
