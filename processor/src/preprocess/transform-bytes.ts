/**
 * Pass 2 on one chunk of data rows straight from its UTF-8 bytes. Hand-written, for speed: most
 * output fields are input fields as they are written (text, canonical numbers, the profile's
 * strings), so the scan notes where each field lies and the output lines are copied from the
 * input, byte by byte, around what the DataFrame step decides (the filled age, salary and
 * department, the bins); only tokens printed differently are decoded and formatted by the string
 * functions. The tokenizer's path (transform-pass.ts) decoded every field to a string, built each
 * line from pieces, joined and encoded it again. A chunk the scan does not take on (see
 * {@link transformScanned}) goes to that path; the tests hold the two to the same bytes.
 */
import type { Analysis } from "./analyze";
import type { BufferPool } from "./buffer-pool";
import {
  ByteRecords,
  ESCAPED,
  INNER_QUOTE,
  NO_MORE_RECORDS,
  NOT_TAKEN,
  QUOTED,
} from "./byte-records";
import { COMMA, DOT, LF, QUOTE, ZERO } from "./char-codes";
import type { ChunkTransform } from "./chunk-work";
import { parseFloatToken, type ColumnKind } from "./column-types";
import { csvField, FloatTexts } from "./pandas-format";
import {
  CANONICAL_ESCAPED_PIECES,
  parseProfile,
  PROFILE_FIELDS,
  type ProfileValues,
} from "./profile";
import { RowAggregator } from "./row-aggregates";
import { codePointLength, fingerprintBytes } from "./stats";
import {
  FloatPrint,
  floatPrint,
  intPrintedAsIs,
  SimpleToken,
  simpleTokenClass,
  simpleTokenValue,
  TokenText,
} from "./token-bytes";
import { fillValuesOf, transformChunk, type FrameRow } from "./transform";
import { valueFormatter } from "./transform-pass";
import { Utf8Sink } from "./utf8-sink";

/** What an output field of a gathered row prints. */
const Print = {
  /** Nothing: a missing value. */
  Nothing: 0,
  /** Input bytes as they are. */
  Bytes: 1,
  /** Input bytes, then `.0`. */
  BytesPointZero: 2,
  /** Input bytes in quotes (their quotes already doubled). */
  BytesQuoted: 3,
  /** A string made by the string functions. */
  Text: 4,
  /** The filled age or salary (Python's float text). */
  FilledAge: 5,
  FilledSalary: 6,
  /** The filled department. */
  Department: 7,
} as const;

/** What an input column is to pass 2. */
const Role = { Static: 0, Age: 1, Salary: 2, Department: 3, Profile: 4 } as const;
type Role = (typeof Role)[keyof typeof Role];

/** How a static column's values print. */
const Kind = { Text: 0, Int: 1, Float: 2, Other: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const kindOf = (kind: ColumnKind): Kind =>
  kind === "text"
    ? Kind.Text
    : kind === "int"
      ? Kind.Int
      : kind === "float"
        ? Kind.Float
        : Kind.Other;

/** The canonical profile's text around its three values, as bytes (ASCII). */
const PROFILE_TEXT = CANONICAL_ESCAPED_PIECES.map((text) =>
  Uint8Array.from(text, (c) => c.charCodeAt(0)),
);

/** A byte of a JSON string's plain characters: no quote, no backslash, no control character. */
const isPlainJsonByte = (b: number): boolean => b !== QUOTE && b !== 0x5c && b >= 0x20;

/**
 * Pass 2 on a chunk of data rows (checked UTF-8, no header) from its bytes, in DataFrame frames of
 * `frameRows`; undefined when the chunk needs the tokenizer's path: one {@link ByteRecords} does
 * not take on (each fails or is rare; pass 1 has already read the same chunk), or a department
 * column that is not text.
 */
export function transformScanned(
  bytes: Uint8Array,
  analysis: Analysis,
  frameRows: number,
  outputs?: BufferPool,
): ChunkTransform | undefined {
  if (analysis.kinds[analysis.layout.department] !== "text") return undefined;
  const pass = new BytePass(bytes, analysis, frameRows, outputs);
  if (!pass.run()) {
    pass.discard();
    return undefined;
  }
  return pass.take();
}

class BytePass {
  private readonly width: number;
  private readonly roles: Uint8Array;
  private readonly kinds: Uint8Array;
  /** Per input column, how the string functions print a value (see {@link valueFormatter}). */
  private readonly formatters: ((token: string) => string)[];
  /** Per input column, its output field (profile: the first of its three). */
  private readonly slotOf: Int32Array;
  /** Output fields per line: the columns but the profile, then its three fields. */
  private readonly slots: number;
  private readonly ageIsInt: boolean;
  private readonly salaryIsInt: boolean;
  private readonly profileIsText: boolean;
  private readonly text: TokenText;

  /** The chunk's records; the current one's fields, as the scan found them. */
  private readonly records: ByteRecords;

  // The gathered rows of the current frame: per output field what it prints and where its bytes are.
  private rows = 0;
  private readonly print: Uint8Array;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private texts: string[] = [];
  private readonly missing: Int32Array;
  private readonly salts: Uint8Array;
  private readonly addressLength: Int32Array;
  private frame: FrameRow[] = [];

  private readonly cleaned: Utf8Sink;
  private readonly transformed: Utf8Sink;
  private readonly aggregates = new RowAggregator();
  private readonly floats = new FloatTexts();
  private readonly departments = new Map<number, string>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly analysis: Analysis,
    private readonly frameRows: number,
    outputs?: BufferPool,
  ) {
    const { layout, kinds } = analysis;
    const width = layout.header.length;
    this.width = width;
    this.roles = new Uint8Array(width);
    this.kinds = new Uint8Array(width);
    this.formatters = [];
    this.slotOf = new Int32Array(width);
    let slot = 0;
    for (let c = 0; c < width; c++) {
      const role: Role =
        c === layout.age
          ? Role.Age
          : c === layout.salary
            ? Role.Salary
            : c === layout.department
              ? Role.Department
              : c === layout.profile
                ? Role.Profile
                : Role.Static;
      this.roles[c] = role;
      this.kinds[c] = kindOf(kinds[c] as ColumnKind);
      this.formatters[c] = valueFormatter(kinds[c] as ColumnKind);
      if (role !== Role.Profile) this.slotOf[c] = slot++;
    }
    this.slotOf[layout.profile] = slot;
    this.slots = slot + PROFILE_FIELDS.length;
    this.ageIsInt = kinds[layout.age] === "int";
    this.salaryIsInt = kinds[layout.salary] === "int";
    this.profileIsText = kinds[layout.profile] === "text";
    this.text = new TokenText(bytes);
    this.records = new ByteRecords(bytes, width);
    const cells = frameRows * this.slots;
    this.print = new Uint8Array(cells);
    this.from = new Int32Array(cells);
    this.to = new Int32Array(cells);
    this.missing = new Int32Array(frameRows);
    this.salts = new Uint8Array(frameRows);
    this.addressLength = new Int32Array(frameRows);
    this.cleaned = new Utf8Sink(bytes.length, outputs);
    this.transformed = new Utf8Sink(bytes.length, outputs);
  }

  /**
   * Reads the chunk's records ({@link ByteRecords}), gathering and transforming frame by frame;
   * false when the chunk needs the tokenizer's path.
   */
  run(): boolean {
    const records = this.records;
    for (;;) {
      const fields = records.next();
      if (fields === NO_MORE_RECORDS) break;
      if (fields === NOT_TAKEN) return false;
      this.gather(fields);
      if (this.rows === this.frameRows) this.flush();
    }
    this.flush();
    return true;
  }

  /** The outputs and aggregates of the chunk. */
  take(): ChunkTransform {
    return {
      cleaned: this.cleaned.take(),
      transformed: this.transformed.take(),
      aggregates: this.aggregates.take(),
    };
  }

  /** Gives the outputs' buffers back (the chunk goes to the tokenizer's path). */
  discard(): void {
    this.cleaned.discard();
    this.transformed.discard();
  }

  /** Gathers the scanned record of `fields` fields as the frame's next row. */
  private gather(fields: number): void {
    const r = this.rows++;
    const base = r * this.slots;
    const { starts, ends, flags } = this.records;
    const text = this.text;
    let missing = 0;
    let age = NaN;
    let salary = NaN;
    let department: string | null = null;
    for (let c = 0; c < this.width; c++) {
      const at = base + (this.slotOf[c] as number);
      const role = this.roles[c] as Role;
      const present = c < fields;
      const start = starts[c] as number;
      const end = ends[c] as number;
      const flag = present ? (flags[c] as number) : 0;
      // A field with doubled quotes holds a quote, so it is not an NA token.
      const na = !present || ((flag & ESCAPED) === 0 && text.isNa(start, end));
      if (role === Role.Profile) {
        this.gatherProfile(r, at, na, start, end, flag);
        continue;
      }
      if (role === Role.Department) {
        if (!na) department = this.department(start, end, flag);
        this.print[at] = Print.Department;
        continue;
      }
      if (role === Role.Age || role === Role.Salary) {
        const value = na ? NaN : this.number(start, end, flag);
        if (role === Role.Age) age = value;
        else salary = value;
        if (role === Role.Age ? this.ageIsInt : this.salaryIsInt) {
          // An int column has no missing values (pass 1 makes such a column float).
          if (present) this.gatherValue(at, c, start, end, flag);
          else this.print[at] = Print.Nothing;
        } else {
          this.print[at] = role === Role.Age ? Print.FilledAge : Print.FilledSalary;
        }
        continue;
      }
      if (na) {
        missing++;
        this.print[at] = Print.Nothing;
      } else {
        this.gatherValue(at, c, start, end, flag);
      }
    }
    this.missing[r] = missing;
    this.frame.push([age, salary, department]);
  }

  /** How a value of `column` that is not missing prints. */
  private gatherValue(at: number, column: number, start: number, end: number, flag: number): void {
    const { bytes, print } = this;
    const kind = this.kinds[column] as Kind;
    this.from[at] = start;
    this.to[at] = end;
    const plain = (flag & (ESCAPED | INNER_QUOTE)) === 0;
    if (kind === Kind.Text) {
      if ((flag & ESCAPED) !== 0) {
        // csvField doubles each quote and quotes the field: the input's own text.
        print[at] = Print.BytesQuoted;
        return;
      }
      if (plain) {
        // Unquoted, a field holds no comma nor line end; quoted, it needs its quotes only for those.
        print[at] =
          (flag & QUOTED) !== 0 && needsQuotes(bytes, start, end) ? Print.BytesQuoted : Print.Bytes;
        return;
      }
    } else if (plain && kind === Kind.Int) {
      if (intPrintedAsIs(bytes, start, end)) {
        print[at] = Print.Bytes;
        return;
      }
    } else if (plain && kind === Kind.Float) {
      const shape = floatPrint(bytes, start, end);
      if (shape !== FloatPrint.Other) {
        print[at] = shape === FloatPrint.AsIs ? Print.Bytes : Print.BytesPointZero;
        return;
      }
    }
    const token = this.text.of(start, end, (flag & ESCAPED) !== 0);
    print[at] = Print.Text;
    this.texts[at] = (this.formatters[column] as (token: string) => string)(token);
  }

  /** The number pandas reads from a value that is not missing. */
  private number(start: number, end: number, flag: number): number {
    if ((flag & (ESCAPED | INNER_QUOTE)) === 0) {
      const shape = simpleTokenClass(this.bytes, start, end);
      if (shape !== SimpleToken.Other && shape !== SimpleToken.Missing) {
        const value = simpleTokenValue(this.bytes, start, end);
        if (!Number.isNaN(value)) return value;
      }
    }
    return parseFloatToken(this.text.of(start, end, (flag & ESCAPED) !== 0));
  }

  /**
   * A department's text, decoded once per distinct spelling in the chunk: departments repeat, and
   * a decode is a call into the runtime. Found by a hash of the bytes, confirmed by comparing them
   * with the text (ASCII texts only; others are decoded each time).
   */
  private department(start: number, end: number, flag: number): string {
    if ((flag & ESCAPED) !== 0) return this.text.of(start, end, true);
    const bytes = this.bytes;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
    const known = this.departments.get(hash);
    if (known !== undefined && known.length === end - start) {
      let same = true;
      for (let i = start; same && i < end; i++) same = known.charCodeAt(i - start) === bytes[i];
      if (same) return known;
    }
    const value = this.text.of(start, end, false);
    // As many UTF-16 units as bytes only when all are ASCII.
    if (value.length === end - start && this.departments.size < 1024) {
      this.departments.set(hash, value);
    }
    return value;
  }

  /** The profile's three output fields (see profile.ts). */
  private gatherProfile(
    r: number,
    at: number,
    na: boolean,
    start: number,
    end: number,
    flag: number,
  ): void {
    if (this.profileIsText && (flag & ESCAPED) !== 0 && this.canonicalProfile(r, at, start, end)) {
      this.salts[r] = 0;
      return;
    }
    let profile: ProfileValues;
    if (!this.profileIsText || na) profile = parseProfile(null);
    else profile = parseProfile(this.text.of(start, end, (flag & ESCAPED) !== 0));
    let salt = 0;
    PROFILE_FIELDS.forEach((name, k) => {
      const value = profile[name];
      if (value === null) {
        salt |= 1 << k;
        this.print[at + k] = Print.Nothing;
      } else {
        this.print[at + k] = Print.Text;
        this.texts[at + k] = csvField(value);
      }
    });
    this.salts[r] = salt;
    this.addressLength[r] = profile.address === null ? 0 : codePointLength(profile.address);
  }

  /**
   * Takes a profile of the exact shape Python's json.dumps writes, quotes doubled, with plain
   * strings (CANONICAL_ESCAPED_PIECES around them): its values are their own bytes; false if not.
   */
  private canonicalProfile(r: number, at: number, start: number, end: number): boolean {
    const bytes = this.bytes;
    let i = start;
    let address = 0;
    for (let k = 0; k <= PROFILE_FIELDS.length; k++) {
      const literal = PROFILE_TEXT[k] as Uint8Array;
      if (i + literal.length > end) return false;
      for (let j = 0; j < literal.length; j++) if (bytes[i + j] !== literal[j]) return false;
      i += literal.length;
      if (k === PROFILE_FIELDS.length) break;
      const from = i;
      let comma = false;
      let characters = 0;
      for (; i < end; i++) {
        const b = bytes[i] as number;
        if (!isPlainJsonByte(b)) break;
        if (b === COMMA) comma = true;
        // A UTF-8 continuation byte is not a character of its own.
        if ((b & 0xc0) !== 0x80) characters++;
      }
      if (k === 0) address = characters;
      this.from[at + k] = from;
      this.to[at + k] = i;
      // A plain string holds no quote nor line end: it needs quotes only for a comma.
      this.print[at + k] = comma ? Print.BytesQuoted : Print.Bytes;
    }
    if (i !== end) return false;
    this.addressLength[r] = address;
    return true;
  }

  /**
   * A filled age or salary as Python prints it: a whole number of at least 1 in magnitude (below
   * 1e15) is its digits and `.0` (as `formatFloat` prints it), written without making a string.
   */
  private filled(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) >= 1 && Math.abs(value) < 1e15) {
      this.cleaned.integer(value);
      this.cleaned.byte(DOT);
      this.cleaned.byte(ZERO);
    } else {
      this.cleaned.text(this.floats.of(value));
    }
  }

  /** The DataFrame step on the gathered rows, then their lines and aggregates. */
  private flush(): void {
    const n = this.rows;
    if (n === 0) return;
    const out = transformChunk({ rows: this.frame }, fillValuesOf(this.analysis));
    const { bytes, print, from, to, texts, slots, cleaned, transformed, aggregates } = this;
    const first = aggregates.rows;
    const fingerprints = aggregates.fingerprintRoom(n);
    for (let r = 0; r < n; r++) {
      const age = out.age[r] as number;
      const salary = out.salary[r] as number;
      const department = out.department[r] as string;
      const lineStart = cleaned.size;
      const base = r * slots;
      for (let k = 0; k < slots; k++) {
        if (k !== 0) cleaned.byte(COMMA);
        const at = base + k;
        switch (print[at]) {
          case Print.Nothing:
            break;
          case Print.Bytes:
            cleaned.copy(bytes, from[at] as number, to[at] as number);
            break;
          case Print.BytesPointZero:
            cleaned.copy(bytes, from[at] as number, to[at] as number);
            cleaned.byte(DOT);
            cleaned.byte(ZERO);
            break;
          case Print.BytesQuoted:
            cleaned.byte(QUOTE);
            cleaned.copy(bytes, from[at] as number, to[at] as number);
            cleaned.byte(QUOTE);
            break;
          case Print.Text:
            cleaned.text(texts[at] as string);
            break;
          case Print.FilledAge:
            this.filled(age);
            break;
          case Print.FilledSalary:
            this.filled(salary);
            break;
          default:
            cleaned.text(csvField(department));
        }
      }
      const lineEnd = cleaned.size;
      const line = cleaned.bytes;
      fingerprintBytes(
        line,
        lineStart,
        lineEnd,
        this.salts[r] as number,
        fingerprints,
        2 * (first + r),
      );
      cleaned.byte(LF);
      const category = out.salaryCategory[r] ?? null;
      const group = out.ageGroup[r] ?? null;
      transformed.copy(cleaned.bytes, lineStart, lineEnd);
      transformed.byte(COMMA);
      transformed.integer(this.addressLength[r] as number);
      transformed.byte(COMMA);
      if (category !== null) transformed.text(category);
      transformed.byte(COMMA);
      if (group !== null) transformed.text(group);
      transformed.byte(LF);
      const salt = this.salts[r] as number;
      const missing =
        (this.missing[r] as number) +
        (Number.isNaN(age) ? 1 : 0) +
        (Number.isNaN(salary) ? 1 : 0) +
        (salt & 1) +
        ((salt >> 1) & 1) +
        ((salt >> 2) & 1) +
        (category === null ? 1 : 0) +
        (group === null ? 1 : 0);
      aggregates.add(missing, department, salary, age);
    }
    this.rows = 0;
    this.texts = [];
    this.frame = [];
  }
}

/** True when a field's text (no quotes in it) needs quotes: a comma or "\n" (csvField). */
function needsQuotes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === COMMA || b === LF) return true;
  }
  return false;
}
