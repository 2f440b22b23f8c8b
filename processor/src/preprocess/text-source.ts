/**
 * Reads CSV records from a byte stream: strict UTF-8 decoding (invalid bytes or NUL characters mean
 * the object is not a CSV text file), then the pandas-dialect tokenizer.
 */
import { CsvTokenizer, type RecordHandler } from "./csv-reader";
import { PermanentFileError } from "./errors";

/** Opens the input afresh (the preprocessing reads it twice). */
export type OpenInput = () => AsyncIterable<Uint8Array>;

/**
 * Streams every record of the input to `onRecord`. After each decoded piece, `afterPiece` runs and
 * is awaited, so a consumer can flush what it gathered with backpressure.
 */
export async function readRecords(
  open: OpenInput,
  onRecord: RecordHandler,
  afterPiece?: () => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const tokenizer = new CsvTokenizer(onRecord);
  const feed = (text: string) => {
    if (text.includes("\0")) {
      throw new PermanentFileError(
        "not_utf8_text",
        "the object contains NUL bytes: not a CSV text",
      );
    }
    tokenizer.push(text);
  };
  try {
    for await (const piece of open()) {
      signal?.throwIfAborted();
      feed(decoder.decode(piece, { stream: true }));
      if (afterPiece) await afterPiece();
    }
    feed(decoder.decode());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_ENCODING_INVALID_ENCODED_DATA") {
      throw new PermanentFileError("not_utf8_text", "the object is not valid UTF-8 text");
    }
    throw err;
  }
  tokenizer.end();
  if (afterPiece) await afterPiece();
}
