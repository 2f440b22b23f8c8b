/**
 * A streaming CSV reader with the dialect of pandas' C parser: comma, double quotes with doubled
 * quotes inside, line ends "\n", "\r\n" or "\r", blank or whitespace-only lines skipped, text after
 * a closing quote kept (`"x"y` → `xy`), a UTF-8 byte order mark ignored. It reads decoded text in
 * pieces and calls back once per record, so memory stays bounded by the largest record.
 *
 * Fields are not copied out unless asked for ({@link CsvRecord.get}): the first pass of the
 * preprocessing only needs the length of most fields.
 */
import { COMMA, CR, LF, QUOTE, SPACE, TAB } from "./char-codes";
import { PermanentFileError } from "./errors";

/** One record, valid only during the callback (the reader reuses it). */
export interface CsvRecord {
  /** Number of fields. */
  readonly length: number;
  /** The value of field `i` (quotes removed and unescaped); undefined beyond the last field. */
  get(i: number): string | undefined;
  /** The text of field `i` as written, without its quotes (doubled quotes still doubled). */
  raw(i: number): string | undefined;
  /** True when field `i` was quoted and contains doubled quotes. */
  isEscaped(i: number): boolean;
  /** All values (allocates; for headers and tests). */
  values(): string[];
}

/** Called once per record. */
export type RecordHandler = (record: CsvRecord) => void;

/** Largest record accepted (a bound on memory: a runaway quote must not swallow the whole file). */
export const DEFAULT_MAX_RECORD_CHARS = 16 * 1024 * 1024;

class Record implements CsvRecord {
  text = "";
  length = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** Per field: 1 when doubled quotes must be unescaped. */
  escaped = new Uint8Array(64);
  /** Values that are not one slice of `text` (text after a closing quote, which is rare). */
  built: (string | undefined)[] = [];

  add(start: number, end: number, escaped: boolean, built?: string): void {
    const n = this.length;
    if (n === this.starts.length) {
      const starts = new Int32Array(n * 2);
      starts.set(this.starts);
      this.starts = starts;
      const ends = new Int32Array(n * 2);
      ends.set(this.ends);
      this.ends = ends;
      const flags = new Uint8Array(n * 2);
      flags.set(this.escaped);
      this.escaped = flags;
    }
    this.starts[n] = start;
    this.ends[n] = end;
    this.escaped[n] = escaped ? 1 : 0;
    this.built[n] = built;
    this.length = n + 1;
  }

  get(i: number): string | undefined {
    if (i >= this.length) return undefined;
    const built = this.built[i];
    if (built !== undefined) return built;
    const value = this.text.slice(this.starts[i], this.ends[i]);
    return this.escaped[i] === 1 ? value.replaceAll('""', '"') : value;
  }

  raw(i: number): string | undefined {
    if (i >= this.length) return undefined;
    return this.built[i] ?? this.text.slice(this.starts[i], this.ends[i]);
  }

  isEscaped(i: number): boolean {
    return i < this.length && this.escaped[i] === 1 && this.built[i] === undefined;
  }

  values(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i) as string);
    return out;
  }
}

/** Incremental tokenizer: `push` text as it arrives, then `end()`. */
export class CsvTokenizer {
  private carry = "";
  private started = false;
  private readonly record = new Record();
  /** Index in the text pushed so far (a skipped byte order mark counted) where `carry` starts. */
  private base = 0;
  /** Records emitted so far (the header included). */
  records = 0;
  /** Index in the text pushed so far just after the last emitted record (set before its callback). */
  recordEnd = 0;

  /**
   * `atStreamStart: false` for text that continues a stream (a later chunk of a file): a U+FEFF
   * at its start is then a character, not a byte order mark.
   */
  constructor(
    private readonly onRecord: RecordHandler,
    private readonly maxRecordChars = DEFAULT_MAX_RECORD_CHARS,
    atStreamStart = true,
  ) {
    this.started = !atStreamStart;
  }

  /** Feeds the next piece of text. */
  push(text: string): void {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        this.base = 1;
      }
    }
    const input = this.carry.length > 0 ? this.carry + text : text;
    const consumed = this.parse(input, false);
    this.base += consumed;
    this.carry = consumed < input.length ? input.slice(consumed) : "";
    if (this.carry.length > this.maxRecordChars) {
      throw new PermanentFileError(
        "record_too_large",
        `record ${this.records + 1} is longer than ${this.maxRecordChars} characters (unbalanced quote?)`,
      );
    }
  }

  /** Parses what is left; throws when the text ends inside a quoted field. */
  end(): void {
    if (this.carry.length > 0) this.parse(this.carry, true);
    this.carry = "";
  }

  /** Parses whole records from `s`; returns the index of the first unconsumed character. */
  private parse(s: string, final: boolean): number {
    const len = s.length;
    const record = this.record;
    record.text = s;
    let i = 0;
    while (i < len) {
      const recordStart = i;
      // Blank and whitespace-only lines are skipped (pandas' skip_blank_lines).
      let w = i;
      let c = s.charCodeAt(w);
      while (c === SPACE || c === TAB) c = s.charCodeAt(++w);
      if (w === len) return final ? len : recordStart;
      if (c === LF || c === CR) {
        if (c === CR && w + 1 === len && !final) return recordStart;
        i = c === CR && s.charCodeAt(w + 1) === LF ? w + 2 : w + 1;
        continue;
      }
      record.length = 0;
      for (;;) {
        if (s.charCodeAt(i) === QUOTE) {
          // Quoted: find the closing quote (a doubled quote is an escaped one).
          const start = i + 1;
          let j = start;
          let escaped = false;
          let close: number;
          for (;;) {
            const q = s.indexOf('"', j);
            if (q === -1 || (q + 1 === len && !final)) {
              if (!final) return recordStart;
              if (q === -1) {
                throw new PermanentFileError(
                  "unterminated_quote",
                  `the text ends inside a quoted field of record ${this.records + 1}`,
                );
              }
            }
            if (s.charCodeAt(q + 1) === QUOTE) {
              escaped = true;
              j = q + 2;
              continue;
            }
            close = q;
            break;
          }
          // Text after the closing quote belongs to the same field.
          const k = scanField(s, close + 1);
          if (k > close + 1) {
            let value = s.slice(start, close);
            if (escaped) value = value.replaceAll('""', '"');
            record.add(start, close, false, value + s.slice(close + 1, k));
          } else {
            record.add(start, close, escaped);
          }
          i = k;
        } else {
          const k = scanField(s, i);
          record.add(i, k, false);
          i = k;
        }
        if (i >= len) {
          if (!final) return recordStart;
          break;
        }
        const d = s.charCodeAt(i);
        if (d === COMMA) {
          i++;
          if (i >= len) {
            if (!final) return recordStart;
            record.add(i, i, false);
            break;
          }
          continue;
        }
        if (d === LF) {
          i++;
          break;
        }
        // CR: alone or as part of CRLF; at the end of a piece we need the next character.
        if (i + 1 >= len && !final) return recordStart;
        i += s.charCodeAt(i + 1) === LF ? 2 : 1;
        break;
      }
      this.records++;
      this.recordEnd = this.base + i;
      this.onRecord(record);
    }
    return i;
  }
}

/** Index of the next comma or line end at or after `i` (or `s.length`). */
function scanField(s: string, i: number): number {
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === LF || c === CR) return i;
    i++;
  }
  return i;
}
