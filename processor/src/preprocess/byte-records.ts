/**
 * The records of a chunk read straight from its UTF-8 bytes, for the byte paths of both passes
 * (chunk-analysis.ts, transform-bytes.ts). Hand-written, for speed: the tokenizer (csv-reader.ts)
 * reads decoded text, and decoding every field is most of what the byte paths save. The dialect
 * is the tokenizer's, and since every structural character is ASCII and no byte of a multi-byte
 * UTF-8 character is, fields end at the same places in bytes as in text. What the scan does not
 * take on (a record with more fields than the header, a quote left open, text after a closing
 * quote, a chunk beyond the record size limit) it reports, and the caller hands the chunk to the
 * tokenizer's path.
 */
import { COMMA, CR, LF, QUOTE, SPACE, TAB } from "./char-codes";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv-reader";

/** A field's flags: quoted (its span is inside the quotes). */
export const QUOTED = 1;
/** Quoted, with doubled quotes inside. */
export const ESCAPED = 2;
/** Not quoted, with a quote inside. */
export const INNER_QUOTE = 4;

/** What {@link ByteRecords.next} returns after the last record. */
export const NO_MORE_RECORDS = -1;
/** What {@link ByteRecords.next} returns for a record the scan does not take on. */
export const NOT_TAKEN = -2;

/** The records of one chunk, one at a time. */
export class ByteRecords {
  /** Where each field of the current record starts and ends, and its flags. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly flags: Uint8Array;
  private i = 0;
  /** Within the limit in bytes, no record of the chunk can be beyond it in characters. */
  private readonly withinLimit: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly width: number,
  ) {
    this.starts = new Int32Array(width);
    this.ends = new Int32Array(width);
    this.flags = new Uint8Array(width);
    this.withinLimit = bytes.length <= DEFAULT_MAX_RECORD_CHARS;
  }

  /**
   * Reads the next record: its number of fields (at most the width; a short row has fewer),
   * {@link NO_MORE_RECORDS} after the last one, or {@link NOT_TAKEN}. Blank and whitespace-only
   * lines are skipped (pandas' skip_blank_lines).
   */
  next(): number {
    if (!this.withinLimit) return NOT_TAKEN;
    const { bytes, width, starts, ends, flags } = this;
    const n = bytes.length;
    let i = this.i;
    for (;;) {
      if (i >= n) return NO_MORE_RECORDS;
      let w = i;
      let b = bytes[w];
      while (b === SPACE || b === TAB) b = bytes[++w];
      if (w >= n) return NO_MORE_RECORDS;
      if (b !== LF && b !== CR) break;
      i = b === CR && bytes[w + 1] === LF ? w + 2 : w + 1;
    }
    let field = 0;
    for (;;) {
      if (field === width) return NOT_TAKEN;
      let flag = 0;
      if (bytes[i] === QUOTE) {
        let j = i + 1;
        for (;;) {
          while (j < n && bytes[j] !== QUOTE) j++;
          if (j >= n) return NOT_TAKEN;
          if (bytes[j + 1] !== QUOTE) break;
          flag = ESCAPED;
          j += 2;
        }
        starts[field] = i + 1;
        ends[field] = j;
        flags[field] = flag | QUOTED;
        i = j + 1;
        const after = bytes[i];
        if (i < n && after !== COMMA && after !== LF && after !== CR) return NOT_TAKEN;
      } else {
        starts[field] = i;
        while (i < n) {
          const c = bytes[i] as number;
          // Comma, LF, CR and the quote are all at most 0x2c: digits and letters take one test.
          if (c <= COMMA) {
            if (c === COMMA || c === LF || c === CR) break;
            if (c === QUOTE) flag = INNER_QUOTE;
          }
          i++;
        }
        ends[field] = i;
        flags[field] = flag;
      }
      field++;
      if (i >= n) break;
      const d = bytes[i];
      if (d === COMMA) {
        i++;
        if (i < n) continue;
        // A comma that ends the chunk is followed by one more, empty, field.
        if (field === width) return NOT_TAKEN;
        starts[field] = i;
        ends[field] = i;
        flags[field] = 0;
        field++;
        break;
      }
      i += d === CR && bytes[i + 1] === LF ? 2 : 1;
      break;
    }
    this.i = i;
    return field;
  }
}
