/**
 * The consumer's calls that read the queue: one long-poll ReceiveMessage, retried (the shared
 * retry policy, ../retry) until it succeeds, the consumer stops, or the error is one that retrying
 * cannot fix; and the queue depth that `--until-empty` checks before it declares the queue drained.
 */
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import { withRetries } from "../retry";
import { EVENT_TYPE_ATTRIBUTE } from "./event";

/** Back-off after a receive that failed (after the SDK's own attempts): 0.5 s doubling to 30 s. */
const RECEIVE_RETRY = { baseDelayMs: 500, maxDelayMs: 30_000 } as const;

/** Client errors that retries cannot fix (stop instead of polling forever); throttling is not one. */
export function isFatal(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string };
  if (e.$fault !== "client") return false;
  return !/throttl|RequestThrottled|OverLimit|KmsThrottled|TooManyRequests/i.test(e.name ?? "");
}

/** One receive's parameters. */
export interface ReceiveOptions {
  readonly sqs: Pick<SQSClient, "send">;
  readonly queueUrl: string;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /** Aborting it ends the retries: no new attempt starts, a back-off ends (the attempt in flight runs on). */
  readonly signal: AbortSignal;
  /**
   * Aborting it cancels the attempt in flight (its messages, if SQS had already sent them, stay
   * hidden until their visibility timeout); without it, `signal` does.
   */
  readonly cancel?: AbortSignal;
  /** Called for each failed receive that is retried. */
  readonly onRetry: (err: unknown, failures: number) => void;
}

/**
 * Up to 10 messages, retrying failed receives until one succeeds; throws a fatal error, or the last
 * error once `signal` aborts.
 */
export function receiveMessages(o: ReceiveOptions): Promise<Message[]> {
  return withRetries(
    async () => {
      const response = await o.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: o.waitTimeSeconds,
          VisibilityTimeout: o.visibilityTimeoutSeconds,
          MessageAttributeNames: [EVENT_TYPE_ATTRIBUTE],
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
        }),
        { abortSignal: o.cancel ?? o.signal },
      );
      return response.Messages ?? [];
    },
    {
      attempts: Infinity,
      ...RECEIVE_RETRY,
      signal: o.signal,
      retryIf: (err) => !isFatal(err),
      onRetry: (err, attempt) => o.onRetry(err, attempt),
    },
  );
}

/**
 * Visible, in-flight and delayed messages of the queue, or 0 when the attributes cannot be read
 * (the consumer's role may lack sqs:GetQueueAttributes; empty receives then decide alone).
 */
export async function remainingMessages(
  sqs: Pick<SQSClient, "send">,
  queueUrl: string,
  log: Logger,
): Promise<number> {
  try {
    const response = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    );
    const a = response.Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  } catch (err) {
    log.warn({ err }, "cannot read queue attributes; trusting empty receives");
    return 0;
  }
}
