/**
 * The two kinds of failure the preprocess job distinguishes: a file that can never be processed
 * (it gets an error report and its message is deleted) and everything else (retried, then left
 * for redelivery and, in the end, the dead-letter queue).
 */

/** Stable codes of permanent file errors (they appear in error reports and logs). */
export type PermanentErrorCode =
  | "empty_file"
  | "not_utf8_text"
  | "missing_object"
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
