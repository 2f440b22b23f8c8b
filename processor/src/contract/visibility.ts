/**
 * The one timing rule the stack settings, the consumer and local mode share: a received event
 * stays in an open batch for up to the batch age, then is written and deleted; its visibility
 * timeout must leave as much time again for that, or the message reappears (and is stored twice)
 * before its batch is stored.
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
