/**
 * The work on one chunk of whole records (see record-chunks.ts), the same on a worker thread or
 * inline: check its text (strict UTF-8, no NUL), decode and tokenize it, and transform it (pass 2;
 * both passes read the bytes themselves first, chunk-analysis.ts and transform-bytes.ts, and come
 * here for what those do not take on). Results are plain data and typed arrays; failures carry
 * record numbers relative to the chunk, which the ordered merge turns into the file's
 * ({@link chunkFailureError}).
 */
import { isUtf8 } from "node:buffer";
import type { Analysis } from "./analyze";
import type { BufferPool } from "./buffer-pool";
import { CR, LF } from "./char-codes";
import { CsvTokenizer, DEFAULT_MAX_RECORD_CHARS, type RecordHandler } from "./csv-reader";
import { PermanentFileError, type PermanentErrorCode } from "./errors";
import type { RowAggregates } from "./row-aggregates";
import { transformScanned } from "./transform-bytes";
import { TransformPass } from "./transform-pass";

/** A chunk that cannot be processed, numbered within the chunk. */
export interface ChunkFailure {
  readonly code: PermanentErrorCode;
  readonly message: string;
  /** 1-based record (or, for too_many_fields, data row) of the chunk the failure is about. */
  readonly record?: number;
  readonly fields?: number;
  readonly width?: number;
}

/** Thrown by the chunk functions; `failure` crosses threads. */
export class ChunkFailureError extends Error {
  constructor(readonly failure: ChunkFailure) {
    super(failure.message);
    this.name = "ChunkFailureError";
  }
}

/**
 * The file's error for a chunk's failure: `recordsBefore` is the number of records of the file
 * before the chunk (the header included).
 */
export function chunkFailureError(f: ChunkFailure, recordsBefore: number): PermanentFileError {
  const record = recordsBefore + (f.record ?? 1);
  switch (f.code) {
    case "too_many_fields":
      return new PermanentFileError(
        f.code,
        `data row ${record - 1} has ${f.fields} fields, the header has ${f.width}`,
      );
    case "unterminated_quote":
      return new PermanentFileError(
        f.code,
        `the text ends inside a quoted field of record ${record}`,
      );
    case "record_too_large":
      return new PermanentFileError(
        f.code,
        `record ${record} is longer than ${DEFAULT_MAX_RECORD_CHARS} characters (unbalanced quote?)`,
      );
    default:
      return new PermanentFileError(f.code, f.message);
  }
}

/** Throws the chunk failure for bytes that are not UTF-8 text, or hold a NUL (not a CSV text). */
export function checkText(bytes: Uint8Array): void {
  if (!isUtf8(bytes)) {
    throw new ChunkFailureError({
      code: "not_utf8_text",
      message: "the object is not valid UTF-8 text",
    });
  }
  // Buffer#indexOf searches with memchr, a Uint8Array's indexOf element by element: 12 instead of
  // 303 µs per MiB (in one process, warm), twice per chunk.
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0) !== -1) {
    throw new ChunkFailureError({
      code: "not_utf8_text",
      message: "the object contains NUL bytes: not a CSV text",
    });
  }
}

/**
 * Strict UTF-8 text of a chunk. `fileStart`: the chunk starts the file, so a byte order mark is
 * dropped (as TextDecoder does); elsewhere U+FEFF is a character.
 */
export function decodeChunk(bytes: Uint8Array, fileStart: boolean): string {
  checkText(bytes);
  return new TextDecoder("utf-8", { ignoreBOM: !fileStart }).decode(bytes);
}

/**
 * Characters decoded at a time. A string of a whole chunk (1 MiB) is a large object to V8: each
 * one gets fresh pages from the system, and on 1M rows such strings took a fifth of the run's
 * page faults. Pieces below V8's regular object size (128 KiB) live in the young generation.
 */
const TEXT_PIECE_BYTES = 64 * 1024;

/** How far past {@link TEXT_PIECE_BYTES} a piece may run to end with a line. */
const PIECE_SLACK_BYTES = 32 * 1024;

/**
 * Where the piece of `bytes` from `start` ends: just after the first line end (LF, else CR) in the
 * {@link PIECE_SLACK_BYTES} after {@link TEXT_PIECE_BYTES}, so a piece nearly always ends with a
 * record and the tokenizer has nothing to carry over. A carried tail joined to the next piece makes
 * a string of two parts, whose characters are slower to read than one flat string's: the tokenizer
 * took 2.2 instead of 3.0 ms per 1 MiB chunk of 1M rows (warm, alternating in one process).
 */
function pieceEnd(bytes: Uint8Array, start: number): number {
  const from = start + TEXT_PIECE_BYTES;
  if (from >= bytes.length) return bytes.length;
  const window = bytes.subarray(from, from + PIECE_SLACK_BYTES);
  let at = window.indexOf(LF);
  if (at === -1) at = window.indexOf(CR);
  return at === -1 ? from + window.length : from + at + 1;
}

/**
 * Tokenizes a chunk's bytes (strict UTF-8, checked first as a whole, so a bad byte anywhere fails
 * the chunk before any record is seen), decoded piece by piece, turning tokenizer failures into
 * chunk failures.
 */
export function tokenizeChunk(
  bytes: Uint8Array,
  fileStart: boolean,
  onRecord: RecordHandler,
): number {
  checkText(bytes);
  const tokenizer = new CsvTokenizer(onRecord, DEFAULT_MAX_RECORD_CHARS, fileStart);
  const decoder = new TextDecoder("utf-8", { ignoreBOM: !fileStart });
  try {
    // The decoder streams: a character cut by a piece's end is completed by the next piece.
    for (let start = 0; start < bytes.length;) {
      const end = pieceEnd(bytes, start);
      tokenizer.push(decoder.decode(bytes.subarray(start, end), { stream: true }));
      start = end;
    }
    tokenizer.push(decoder.decode());
    tokenizer.end();
  } catch (err) {
    if (err instanceof PermanentFileError) {
      throw new ChunkFailureError({
        code: err.code,
        message: err.message,
        record: tokenizer.records + 1,
      });
    }
    throw err;
  }
  return tokenizer.records;
}

const HEADER_FOUND = Symbol("header found");

/**
 * The header record of a chunk and the bytes after it, or undefined when the chunk holds no record
 * (blank lines only). Runs on the main thread: the header decides the other chunks' work.
 */
export function splitHeader(
  bytes: Uint8Array,
  fileStart: boolean,
): { header: string[]; rest: Uint8Array } | undefined {
  const text = decodeChunk(bytes, fileStart);
  let header: string[] | undefined;
  const tokenizer = new CsvTokenizer(
    (record) => {
      header = record.values();
      throw HEADER_FOUND;
    },
    DEFAULT_MAX_RECORD_CHARS,
    fileStart,
  );
  try {
    tokenizer.push(text);
    tokenizer.end();
  } catch (err) {
    if (err !== HEADER_FOUND) {
      if (err instanceof PermanentFileError) {
        throw new ChunkFailureError({ code: err.code, message: err.message, record: 1 });
      }
      throw err;
    }
  }
  if (header === undefined) return undefined;
  const bom = fileStart && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const offset = bom + Buffer.byteLength(text.slice(0, tokenizer.recordEnd), "utf8");
  return { header, rest: bytes.subarray(offset) };
}

/** Pass 2 on a chunk: the two outputs' lines as UTF-8, and the per-row aggregates. */
export interface ChunkTransform {
  readonly cleaned: Uint8Array;
  readonly transformed: Uint8Array;
  readonly aggregates: RowAggregates;
}

/**
 * Pass 2 on the data rows of one chunk (no header), in DataFrame frames of `frameRows`; the
 * outputs' buffers come from `outputs` when given. The byte path (transform-bytes.ts), else the
 * tokenizer's.
 */
export function transformChunkBytes(
  bytes: Uint8Array,
  analysis: Analysis,
  frameRows: number,
  outputs?: BufferPool,
): ChunkTransform {
  checkText(bytes);
  return (
    transformScanned(bytes, analysis, frameRows, outputs) ??
    transformChunkText(bytes, analysis, frameRows, outputs)
  );
}

/** Pass 2 on a chunk through the tokenizer's records: every case. */
export function transformChunkText(
  bytes: Uint8Array,
  analysis: Analysis,
  frameRows: number,
  outputs?: BufferPool,
): ChunkTransform {
  const pass = new TransformPass(analysis, frameRows, false, bytes.length, outputs);
  tokenizeChunk(bytes, false, (record) => pass.onRecord(record));
  pass.finish();
  return { ...pass.take(), aggregates: pass.takeAggregates() };
}
