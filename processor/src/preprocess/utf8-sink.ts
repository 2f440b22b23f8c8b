/**
 * UTF-8 text appended into one growing buffer. A chunk's output lines are encoded frame by frame
 * as they are made, so the strings die young (the young-generation collector copies whatever is
 * still alive) instead of living, together, until the whole chunk is joined and encoded.
 */
import type { BufferPool } from "./buffer-pool";

const encoder = new TextEncoder();

export class Utf8Sink {
  private buffer: Uint8Array;
  private length = 0;

  /**
   * `expectedBytes`: the likely total, so the buffer seldom grows. With `buffers`, a total that
   * fits one of the pool's buffers is written into one (the reader gives it back when done).
   */
  constructor(
    expectedBytes: number,
    private readonly buffers?: BufferPool,
  ) {
    this.buffer =
      buffers !== undefined && expectedBytes <= buffers.bytes
        ? buffers.take()
        : new Uint8Array(Math.max(1024, expectedBytes));
  }

  /** Bytes written so far (since the last {@link take}). */
  get size(): number {
    return this.length;
  }

  /** The buffer, bytes `[0, size)` written; valid until the next write. */
  get bytes(): Uint8Array {
    return this.buffer;
  }

  /** Appends `text` as UTF-8. */
  write(text: string): void {
    let rest = text;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, this.buffer.subarray(this.length));
      this.length += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      // At most 3 bytes per UTF-16 unit.
      this.reserve(3 * rest.length);
    }
  }

  /**
   * Appends a short string, a character at a time while it is ASCII (cheaper than the encoder's
   * call for the few characters of a field), the rest through {@link write}.
   */
  text(text: string): void {
    const n = text.length;
    this.reserve(n);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.length = at;
        this.write(i === 0 ? text : text.slice(i));
        return;
      }
      buffer[at++] = c;
    }
    this.length = at;
  }

  /** Appends one byte. */
  byte(value: number): void {
    if (this.length === this.buffer.length) this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /**
   * Appends `source[from..to)`: a field of a few bytes a byte at a time (a loop is cheaper than
   * making the view `TypedArray#set` needs), a longer span natively.
   */
  copy(source: Uint8Array, from: number, to: number): void {
    this.reserve(to - from);
    const buffer = this.buffer;
    let at = this.length;
    if (to - from > 64) {
      buffer.set(source.subarray(from, to), at);
      at += to - from;
    } else {
      for (let i = from; i < to; i++) buffer[at++] = source[i] as number;
    }
    this.length = at;
  }

  /** Appends the decimal digits of a whole number below 2^53 in magnitude (no string made). */
  integer(value: number): void {
    this.reserve(17);
    const buffer = this.buffer;
    let at = this.length;
    let rest = value;
    if (rest < 0) {
      buffer[at++] = 0x2d; // -
      rest = -rest;
    }
    const first = at;
    do {
      const next = Math.floor(rest / 10);
      buffer[at++] = 0x30 + (rest - next * 10);
      rest = next;
    } while (rest > 0);
    // The digits came least significant first.
    for (let i = first, j = at - 1; i < j; i++, j--) {
      const d = buffer[i] as number;
      buffer[i] = buffer[j] as number;
      buffer[j] = d;
    }
    this.length = at;
  }

  /** Room for `more` bytes after those written; at least doubles, so growing stays amortized. */
  private reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buffer.length, this.length + more));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffers?.give(this.buffer);
    this.buffer = grown;
  }

  /** Drops what was written and gives the buffer back to the pool (the sink starts afresh). */
  discard(): void {
    this.buffers?.give(this.buffer);
    this.buffer = new Uint8Array(1024);
    this.length = 0;
  }

  /**
   * The bytes written, in a buffer of their own (it is transferred to the merging thread), and a
   * fresh start. A pool's buffer is handed over as it is; from a buffer of its own, spare room
   * beyond a quarter is cut off by a copy, so a grown buffer does not travel half empty.
   */
  take(): Uint8Array {
    const pooled = this.buffers?.fits(this.buffer) === true;
    const out =
      !pooled && this.length * 1.25 < this.buffer.length
        ? this.buffer.slice(0, this.length)
        : this.buffer.subarray(0, this.length);
    this.buffer = new Uint8Array(1024);
    this.length = 0;
    return out;
  }
}
