/**
 * The two kinds of failure the preprocess job distinguishes: a file that can never be processed
 * (it gets an error report and its message is deleted) and everything else (retried, then left
 * for redelivery and, in the end, the dead-letter queue).
 */

/** Stable codes of permanent file errors (they appear in error reports and logs). */
export type PermanentErrorCode =
  | "empty_file"
  | "not_utf8_text"
  | "unexpected_gzip"
  | "bad_gzip"
  | "missing_object"
  | "too_large"
  | "not_csv_key"
  | "outside_path"
  | "wrong_header"
  | "too_many_fields"
  | "unterminated_quote"
  | "record_too_large"
  | "not_numeric";

/** The input can never be processed, whatever the number of attempts. */
export class PermanentFileError extends Error {
  constructor(
    readonly code: PermanentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PermanentFileError";
  }
}

/**
 * The error for an upload larger than the job accepts (`MAX_INPUT_BYTES`): its scratch disk is
 * sized for that maximum (contract/scratch.ts), so it is reported instead of downloaded.
 */
export function tooLargeError(description: string, maxBytes: number): PermanentFileError {
  return new PermanentFileError(
    "too_large",
    `${description}; this job accepts at most ${maxBytes} bytes (MAX_INPUT_BYTES, from the stack ` +
      "setting workloads.preprocessMaxInputMiB): split the file, or raise the setting",
  );
}

/**
 * S3 refused the job's own request (403 AccessDenied): the role, bucket policy or key policy is
 * wrong, not the file. Neither retried nor reported as a rejected file: the message is left to reach
 * the dead-letter queue (and its alarm) while an operator fixes the permissions. With
 * `s3:ListBucket` granted, a missing key is a 404 NoSuchKey instead, which is a rejected file
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions).
 */
export class ConfigurationError extends Error {
  readonly code = "access_denied";
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** Whether an AWS SDK error is S3's 403 AccessDenied. */
export function isAccessDenied(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "AccessDenied" || e.$metadata?.httpStatusCode === 403;
}
