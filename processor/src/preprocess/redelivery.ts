/**
 * When a message the job holds becomes visible again: at once on SIGTERM (another job takes it),
 * and after a growing back-off when its processing failed transiently — not after the whole
 * visibility timeout (900 s by default), which left a file waiting a quarter of an hour per try
 * for an outage of seconds. Every try is still one receive, so the redrive policy's
 * `maxReceiveCount` still moves a message that keeps failing to the dead-letter queue.
 */
import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import { backoffDelayMs } from "../retry";

/**
 * Seconds a message stays hidden after its `receiveCount`-th receive failed transiently: `base`
 * doubled per earlier receive, at most `max` (the visibility timeout, what it would wait anyway).
 * With the defaults (30 s, 900 s) the five receives of `maxReceiveCount` 5 wait 30 + 60 + 120 +
 * 240 s between them, instead of 4 x 900 s.
 */
export function redeliveryDelaySeconds(
  receiveCount: number,
  baseSeconds: number,
  maxSeconds: number,
): number {
  const count = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  return Math.round(backoffDelayMs(count, baseSeconds * 1000, maxSeconds * 1000) / 1000);
}

/** One held message. */
export interface HeldMessage {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly receiptHandle: string;
  readonly logger: Logger;
}

/**
 * Sets the message's visibility to `seconds` from now (0: visible at once). A failure is logged
 * only: the message becomes visible anyway when its current visibility ends.
 */
export async function changeVisibility(message: HeldMessage, seconds: number): Promise<boolean> {
  try {
    await message.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: message.queueUrl,
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return true;
  } catch (err) {
    message.logger.warn({ err, visibilityTimeoutSeconds: seconds }, "visibility change failed");
    return false;
  }
}
