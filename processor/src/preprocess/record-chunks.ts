/**
 * Cuts a CSV byte stream into chunks of whole records, so chunks can be parsed independently (in
 * parallel, by worker threads) and give exactly the records the sequential tokenizer gives. A cut
 * is made only after a line end that is outside any quoted field, following the tokenizer's
 * dialect (csv-reader.ts): a quote opens a quoted field only at the very start of a field, a
 * doubled quote inside one is an escaped quote, and a quote anywhere else is a literal character.
 * Line ends are single bytes ("\n", "\r"), so a cut is always on a UTF-8 character boundary.
 */
import { BufferPool } from "./buffer-pool";
import { byteReader } from "./byte-reader";
import { COMMA, CR, LF, QUOTE } from "./char-codes";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv-reader";

/** Target chunk size: large enough to amortize a message to a worker, small enough to stay cheap. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

// Scanner states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

/** Thrown when no record end appears within the record size limit (an unbalanced quote). */
export class RecordTooLargeError extends Error {
  constructor(readonly maxRecordChars: number) {
    super(`a record is longer than ${maxRecordChars} characters`);
    this.name = "RecordTooLargeError";
  }
}

/**
 * The scanner's state across pieces; `scan` returns the index after the last record end. Outside
 * a quoted field only quotes and line ends matter, and whether a quote opens a field is told by
 * the byte before it (a comma or a line end), so that stretch is a plain loop with no state: on
 * 1M rows 0.3 s where a per-byte state machine took 0.6-0.7 s, on the merging thread.
 */
class BoundaryScanner {
  state = FIELD_START;

  /**
   * Scans `bytes[from..]` (`bytes[..from]` were scanned before: the byte before `from` is there
   * to look at); returns the index just after the last record end, or -1.
   */
  scan(bytes: Uint8Array, from: number): number {
    const len = bytes.length;
    let state = this.state;
    let last = -1;
    let i = from;
    if (state === QUOTE_IN_QUOTED && i < len) {
      // The piece before ended on a quote inside a quoted field: doubled, or the closing one.
      if (bytes[i] === QUOTE) {
        state = QUOTED;
        i++;
      } else {
        state = UNQUOTED;
      }
    }
    scanning: for (;;) {
      if (state === QUOTED) {
        for (;;) {
          while (i < len && bytes[i] !== QUOTE) i++;
          if (i >= len) break scanning;
          if (i + 1 >= len) {
            state = QUOTE_IN_QUOTED;
            break scanning;
          }
          if (bytes[i + 1] === QUOTE) {
            i += 2;
            continue;
          }
          i++;
          state = UNQUOTED;
          break;
        }
      }
      for (;;) {
        if (i >= len) break scanning;
        const c = bytes[i] as number;
        if (c === QUOTE) {
          // Opens a field at its start; literal anywhere else. (A quote right after a closing
          // quote never gets here: it is a doubled one, above.)
          const opens = i === 0 ? state === FIELD_START : endsField(bytes[i - 1] as number);
          i++;
          if (opens) {
            state = QUOTED;
            continue scanning;
          }
        } else {
          if (c === LF || c === CR) last = i + 1;
          i++;
        }
      }
    }
    if (state !== QUOTED && state !== QUOTE_IN_QUOTED && len > from) {
      state = endsField(bytes[len - 1] as number) ? FIELD_START : UNQUOTED;
    }
    this.state = state;
    return last;
  }
}

/** A byte after which a new field starts: a comma or a line end. */
function endsField(c: number): boolean {
  return c === COMMA || c === LF || c === CR;
}

/**
 * How chunks are cut: `record` after the last record end, found by scanning quoted fields (exact,
 * about 2.3 ms per 1 MiB on the merging thread at 1M rows); `line` after the last line end, found
 * with a native search (a cut that falls inside a quoted field is not a record end: the chunk's
 * tokenizer then ends inside a quoted field, and the caller cuts again with `record`).
 */
export type CutMode = "record" | "line";

/**
 * Index just after the last line end (LF, else CR) in `bytes[from..]`, or -1. A cut after a CR
 * whose LF is still unread leaves that LF to start the next chunk: a blank line, which the
 * tokenizer skips.
 */
function lastLineEnd(bytes: Uint8Array, from: number): number {
  const tail = bytes.subarray(from);
  let at = tail.lastIndexOf(LF);
  if (at === -1) at = tail.lastIndexOf(CR);
  return at === -1 ? -1 : from + at + 1;
}

/** Number of UTF-16 units that UTF-8 `bytes` decode to (4-byte sequences are two units). */
function utf16Length(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

/**
 * Yields chunks of at most about `chunkBytes` that each end after a record end (a longer record
 * makes its chunk longer; the last chunk holds the rest of the input, whatever it is). Each chunk
 * is read in place into a buffer of its own (from `buffers`), which the caller may transfer or give
 * back to `buffers`; the bytes after the chunk's last record end are copied to the start of the
 * next one. Throws
 * {@link RecordTooLargeError} when more than `maxRecordChars` characters pass without a record
 * end, so one unbalanced quote cannot make a chunk of the whole file. `cut: "line"` cuts after
 * line ends instead (see {@link CutMode}).
 */
export async function* recordChunks(
  source: AsyncIterable<Uint8Array>,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
  maxRecordChars: number = DEFAULT_MAX_RECORD_CHARS,
  buffers: BufferPool = new BufferPool(chunkBytes, 0),
  cut: CutMode = "record",
): AsyncGenerator<Uint8Array> {
  const reader = byteReader(source);
  const scanner = new BoundaryScanner();
  let buffer = buffers.take(chunkBytes);
  let filled = 0;
  /** Index in `buffer` just after the last record end, or -1. */
  let boundary = -1;
  let checkedAt = 0;
  /** A read into `buffer` at `filled` started before the last yield, or undefined. */
  let ahead: Promise<number> | undefined;
  try {
    for (;;) {
      if (filled === buffer.length) {
        // Full and not cut: no record end yet (or chunkBytes is tiny); make room for more.
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffers.give(buffer);
        buffer = grown;
      }
      const n = await (ahead ?? reader.read(buffer, filled));
      ahead = undefined;
      if (n === 0) break;
      const end =
        cut === "line"
          ? lastLineEnd(buffer.subarray(0, filled + n), filled)
          : scanner.scan(buffer.subarray(0, filled + n), filled);
      if (end !== -1) boundary = end;
      filled += n;
      if (filled >= chunkBytes && boundary > 0) {
        const rest = filled - boundary;
        const next = buffers.take(Math.max(chunkBytes, 2 * rest));
        next.set(buffer.subarray(boundary, filled));
        const chunk = buffer.subarray(0, boundary);
        buffer = next;
        filled = rest;
        boundary = -1;
        checkedAt = 0;
        if (filled < buffer.length) ahead = readingAhead(reader.read(buffer, filled));
        yield chunk;
      }
      const open = boundary === -1 ? filled : filled - boundary;
      if (open > maxRecordChars && open > checkedAt * 2) {
        // Characters never outnumber bytes: count them only once the bytes could be too many.
        checkedAt = open;
        const from = boundary === -1 ? 0 : boundary;
        if (utf16Length(buffer.subarray(from, filled)) > maxRecordChars) {
          throw new RecordTooLargeError(maxRecordChars);
        }
      }
    }
    if (filled > 0) yield buffer.subarray(0, filled);
  } finally {
    await reader.close(); // a read still ahead finishes on its own (see readingAhead)
  }
}

/**
 * A read started before a chunk is handed on, in both cutters. Work done inline (a small input)
 * blocks this thread until the consumer asks for the next chunk; the read runs on libuv's thread
 * pool meanwhile instead of after. On 50k rows inline the main thread sat idle 60 ms of 880
 * waiting for reads (a read of 1 MiB took 1-2 ms alone, up to 25 ms while V8's compiler and
 * collector threads held the other core). A failure is kept for the `await` that takes the
 * result; if the chunks are abandoned first, closing the reader waits for the read ("after
 * waiting for any pending operation on the handle to complete",
 * https://nodejs.org/api/fs.html#filehandleclose), or ends the stream under it.
 */
function readingAhead<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/** Thrown when a second read of an input does not give the bytes the first read was cut into. */
export class InputChangedError extends Error {
  constructor() {
    super("the input changed between the two passes (its length or its line ends moved)");
    this.name = "InputChangedError";
  }
}

/**
 * Yields the chunks of a second read of the same input, cut where the first read's
 * {@link recordChunks} cut it (`lengths`, in order): no scanning, each read in place into a buffer
 * from `buffers`. Throws
 * {@link InputChangedError} when the bytes do not fit those cuts.
 */
export async function* chunksOfLengths(
  source: AsyncIterable<Uint8Array>,
  lengths: readonly number[],
  buffers: BufferPool = new BufferPool(DEFAULT_CHUNK_BYTES, 0),
): AsyncGenerator<Uint8Array> {
  const reader = byteReader(source);
  const fill = async (length: number): Promise<Uint8Array> => {
    const chunk = buffers.take(length);
    for (let filled = 0; filled < chunk.length;) {
      const n = await reader.read(chunk, filled);
      if (n === 0) throw new InputChangedError();
      filled += n;
    }
    return chunk;
  };
  // The next chunk is read while the one handed on is worked on (see readingAhead).
  let ahead: Promise<Uint8Array> | undefined;
  try {
    for (let k = 0; k < lengths.length; k++) {
      const chunk = await (ahead ?? fill(lengths[k] as number));
      ahead = undefined;
      // Every cut but the last follows a line end: a cheap check that the bytes are the same.
      const end = chunk[chunk.length - 1];
      if (k < lengths.length - 1 && end !== LF && end !== CR) throw new InputChangedError();
      if (k + 1 < lengths.length) ahead = readingAhead(fill(lengths[k + 1] as number));
      yield chunk;
    }
    if ((await reader.read(new Uint8Array(1), 0)) !== 0) throw new InputChangedError();
  } finally {
    await reader.close(); // a read still ahead finishes on its own (see readingAhead)
  }
}
