/**
 * Where the preprocessing reads its input from: a function that opens the byte stream afresh (the
 * preprocessing reads it twice, or three times: see analyze.ts), and gzip handling — compressed
 * uploads (`.csv.gz`, or `Content-Encoding: gzip`) are decompressed as they stream, never held
 * whole.
 */
import { open as openFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { CsvTokenizer, type RecordHandler } from "./csv-reader";
import { PermanentFileError, tooLargeError } from "./errors";

/** Opens the input afresh (the preprocessing reads it two or three times). */
export type OpenInput = () => AsyncIterable<Uint8Array>;

/** True when `head` starts with the gzip magic number (RFC 1952 §2.3.1: ID1 0x1f, ID2 0x8b). */
export function isGzipHead(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** True when the local file at `path` starts with the gzip magic number. */
export async function isGzipFile(path: string): Promise<boolean> {
  const file = await openFile(path, "r");
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return isGzipHead(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/**
 * The same input, decompressed as it streams; corrupt or truncated gzip is a permanent error, and
 * so is more than `maxBytes` decompressed (the outputs would outgrow the scratch disk).
 */
export function gunzipped(open: OpenInput, maxBytes = Infinity): OpenInput {
  return () => gunzipStream(open, maxBytes);
}

async function* gunzipStream(open: OpenInput, maxBytes: number): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip();
  const source = Readable.from(open());
  source.on("error", (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  let bytes = 0;
  try {
    for await (const piece of gunzip) {
      bytes += (piece as Uint8Array).length;
      if (bytes > maxBytes) {
        throw tooLargeError(`decompressed, the object exceeds ${maxBytes} bytes`, maxBytes);
      }
      yield piece as Uint8Array;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream) are about the bytes.
    if (code.startsWith("Z_")) {
      throw new PermanentFileError(
        "bad_gzip",
        `the object is not valid gzip: ${(err as Error).message}`,
      );
    }
    throw err;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/**
 * Streams every record of the input, on the calling thread (local mode counts the records of a
 * file it expects to be rejected) to `onRecord`. After each decoded piece, `afterPiece` runs and
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
