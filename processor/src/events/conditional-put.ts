/**
 * What the answer to a conditional PutObject (`If-None-Match: *`) means for one batch object.
 *
 * S3 documents ("Conditional write behavior",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html, and PutObject's
 * `If-None-Match` in the API reference): a key that exists → 412 PreconditionFailed; a conflicting
 * operation in progress on the key → 409 ConditionalRequestConflict, "you should retry the upload".
 * The SDK retries a PutObject itself on connection resets, timeouts and 5xx; when its first attempt
 * had committed and only the response was lost, its retry meets 412. The key is a fresh batch id
 * (UTC to the millisecond and 64 random bits, keys.ts), so nobody else writes it: a 412 after an
 * earlier attempt of ours means the object is ours and stored. A 412 on the very first attempt can
 * only be a collision with an object we did not write, and the batch is not stored.
 *
 * Not verified with HeadObject: the consumer's role may only PutObject (HEAD needs s3:GetObject on
 * the events, which it has no other use for), and the key's randomness already rules out a
 * stranger's object.
 */

/** What a failed conditional PutObject means. */
export type PutErrorMeaning =
  /** The object is stored (412 after an earlier attempt of ours). */
  | "stored"
  /** 409 ConditionalRequestConflict: send the same request again. */
  | "conflict"
  /** Not stored. */
  | "failed";

interface SdkErrorShape {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

/**
 * The meaning of `err`, thrown by the `attempt`-th PutObject of one object (1 = the first call; the
 * SDK's own retries inside one call show in `$metadata.attempts`).
 */
export function meaningOfPutError(err: unknown, attempt: number): PutErrorMeaning {
  if (typeof err !== "object" || err === null) return "failed";
  const e = err as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === "ConditionalRequestConflict" || status === 409) return "conflict";
  if (e.name === "PreconditionFailed" || status === 412) {
    const earlier = attempt > 1 || (e.$metadata?.attempts ?? 1) > 1;
    return earlier ? "stored" : "failed";
  }
  return "failed";
}

/** Calls of one object's PutObject when S3 answers 409, the first included. */
export const CONFLICT_ATTEMPTS = 4;

/** Back-off between those calls: 200 ms doubling (with jitter) to 2 s. */
export const CONFLICT_RETRY = { baseDelayMs: 200, maxDelayMs: 2_000 } as const;
