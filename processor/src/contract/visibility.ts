/**
 * The one timing rule the stack settings, the consumer and local mode share: a received event
 * stays in an open batch for up to the batch age, then is written and deleted; its visibility
 * timeout must leave as much time again for that, or the message reappears (and is stored twice)
 * before its batch is stored. And the consumer's stop: it lets a long poll in flight return rather
 * than discard a response SQS already committed, so its stop takes up to that wait (plus a margin,
 * after which the poll is cancelled) before the shutdown timeout's drain.
 */

/** The shortest visibility timeout (seconds) that is safe for a batch age (seconds): 2 x age. */
export function minVisibilityTimeoutSeconds(batchMaxAgeSeconds: number): number {
  return 2 * batchMaxAgeSeconds;
}

/** Whether `visibilityTimeoutSeconds` is at least twice `batchMaxAgeSeconds`. */
export function visibilityCoversBatchAge(
  visibilityTimeoutSeconds: number,
  batchMaxAgeSeconds: number,
): boolean {
  return visibilityTimeoutSeconds >= minVisibilityTimeoutSeconds(batchMaxAgeSeconds);
}

/** Seconds past the long-poll wait after which a stopping consumer cancels a receive still open. */
export const RECEIVE_STOP_MARGIN_SECONDS = 5;

/**
 * The longest a consumer takes from SIGTERM to exit: the last long poll (its wait and the margin),
 * then the drain bounded by its shutdown timeout. The pod's grace period must exceed it.
 */
export function consumerStopSeconds(
  waitTimeSeconds: number,
  shutdownTimeoutSeconds: number,
): number {
  return waitTimeSeconds + RECEIVE_STOP_MARGIN_SECONDS + shutdownTimeoutSeconds;
}
