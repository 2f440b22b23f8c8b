/**
 * Cuts a CSV byte stream into chunks of whole records, so chunks can be parsed independently (in
 * parallel, by worker threads) and give exactly the records the sequential tokenizer gives. A cut
 * is made only after a line end that is outside any quoted field, following the tokenizer's
 * dialect (csv-reader.ts): a quote opens a quoted field only at the very start of a field, a
 * doubled quote inside one is an escaped quote, and a quote anywhere else is a literal character.
 * Line ends are single bytes ("\n", "\r"), so a cut is always on a UTF-8 character boundary.
 */
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

/** The scanner's state across pieces; `scan` returns the index after the last record end. */
class BoundaryScanner {
  state = FIELD_START;

  /** Scans `bytes[from..]`; returns the index just after the last record end, or -1. */
  scan(bytes: Uint8Array, from: number): number {
    let state = this.state;
    let last = -1;
    const len = bytes.length;
    let i = from;
    while (i < len) {
      if (state === QUOTED) {
        const q = bytes.indexOf(QUOTE, i);
        if (q === -1) break;
        state = QUOTE_IN_QUOTED;
        i = q + 1;
        continue;
      }
      const c = bytes[i] as number;
      i++;
      if (c === COMMA) {
        state = FIELD_START;
      } else if (c === LF || c === CR) {
        state = FIELD_START;
        last = i;
      } else if (c === QUOTE) {
        // Opens a field at its start, doubles an escaped one inside; literal anywhere else.
        if (state === FIELD_START || state === QUOTE_IN_QUOTED) state = QUOTED;
      } else {
        state = UNQUOTED;
      }
    }
    this.state = state;
    return last;
  }
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

/** A copy with an ArrayBuffer of its own (Buffer's `slice` would share the memory, even a pool's). */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Yields chunks of about `chunkBytes` that each end after a record end (the last chunk holds the
 * rest of the stream, whatever it is). Every chunk is a fresh copy the caller may transfer.
 * Throws {@link RecordTooLargeError} when more than `maxRecordChars` characters pass without a
 * record end, so one unbalanced quote cannot make a chunk of the whole file.
 */
export async function* recordChunks(
  source: AsyncIterable<Uint8Array>,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
  maxRecordChars: number = DEFAULT_MAX_RECORD_CHARS,
): AsyncGenerator<Uint8Array> {
  const scanner = new BoundaryScanner();
  let parts: Uint8Array[] = [];
  let total = 0;
  /** Index (in the pending bytes) just after the last record end, or -1. */
  let boundary = -1;
  let checkedAt = 0;
  for await (const piece of source) {
    if (piece.length === 0) continue;
    const end = scanner.scan(piece, 0);
    if (end !== -1) boundary = total + end;
    parts.push(piece);
    total += piece.length;
    if (total >= chunkBytes && boundary > 0) {
      const all = concat(parts, total);
      yield copyOf(all.subarray(0, boundary));
      const rest = all.subarray(boundary);
      parts = rest.length > 0 ? [copyOf(rest)] : [];
      total = rest.length;
      boundary = -1;
      checkedAt = 0;
    }
    const open = boundary === -1 ? total : total - boundary;
    if (open > maxRecordChars && open > checkedAt * 2) {
      // Characters never outnumber bytes: count them only once the bytes could be too many.
      checkedAt = open;
      const all = concat(parts, total);
      if (utf16Length(all.subarray(boundary === -1 ? 0 : boundary)) > maxRecordChars) {
        throw new RecordTooLargeError(maxRecordChars);
      }
      parts = [all];
    }
  }
  if (total > 0) yield copyOf(concat(parts, total));
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
 * {@link recordChunks} cut it (`lengths`, in order): no scanning, one copy per chunk. Throws
 * {@link InputChangedError} when the bytes do not fit those cuts.
 */
export async function* chunksOfLengths(
  source: AsyncIterable<Uint8Array>,
  lengths: readonly number[],
): AsyncGenerator<Uint8Array> {
  let k = 0;
  let chunk: Uint8Array | undefined;
  let filled = 0;
  for await (const piece of source) {
    let at = 0;
    while (at < piece.length) {
      if (chunk === undefined) {
        const length = lengths[k];
        if (length === undefined) throw new InputChangedError();
        chunk = new Uint8Array(length);
        filled = 0;
      }
      const take = Math.min(chunk.length - filled, piece.length - at);
      chunk.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === chunk.length) {
        // Every cut but the last follows a line end: a cheap check that the bytes are the same.
        const end = chunk[chunk.length - 1];
        if (k < lengths.length - 1 && end !== LF && end !== CR) throw new InputChangedError();
        yield chunk;
        chunk = undefined;
        k++;
      }
    }
  }
  if (chunk !== undefined || k !== lengths.length) throw new InputChangedError();
}
