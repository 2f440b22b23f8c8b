/**
 * Pass 2 of the preprocessing on a run of rows (one chunk of the file, in a worker thread), from
 * the tokenizer's records: the path of every chunk the byte path (transform-bytes.ts, the same
 * output from the chunk's bytes) does not take on, and the output headers. Rows are gathered in
 * small frames; each frame goes through the DataFrame step ({@link transformChunk}) and becomes
 * lines of `cleaned_data.csv` and `transformed_data.csv`, while what the whole-file aggregates
 * need is collected per row ({@link RowAggregates}: row fingerprints, departments and filled
 * values in row order, missing values) for the ordered merge ({@link FileAggregates}).
 *
 * To keep the garbage collector's work small, a gathered row holds only what the DataFrame step
 * does not decide: the already formatted text between the `age`, `salary` and `department` fields,
 * and the three profile fields.
 */
import type { Analysis } from "./analyze";
import type { BufferPool } from "./buffer-pool";
import { isNaToken, parseFloatToken, type ColumnKind } from "./column-types";
import type { CsvRecord } from "./csv-reader";
import { csvField, FloatTexts, formatFloatToken, formatIntToken } from "./pandas-format";
import { parseEscapedProfile, parseProfile, type ProfileValues } from "./profile";
import { RowAggregator, type RowAggregates } from "./row-aggregates";
import { writeFingerprintedLines, writeLines } from "./row-lines";
import { codePointLength } from "./stats";
import { fillValuesOf, transformChunk, type FrameRow } from "./transform";
import { Utf8Sink } from "./utf8-sink";

/** Rows per DataFrame chunk: large enough to amortize danfojs' per-frame cost, small enough to die young. */
export const DEFAULT_CHUNK_ROWS = 1024;

type Dynamic = "age" | "salary" | "department";

/** Gathers rows, transforms them chunk by chunk, and hands out the produced text. */
export class TransformPass {
  private readonly chunkRows: number;
  private readonly width: number;
  /** Formats a static (passthrough) value of each input column; null for the dynamic ones. */
  private readonly formatters: (((token: string) => string) | null)[];
  /** The input columns of the cleaned output, in order (profile left out). */
  private readonly slots: readonly number[];
  /** The dynamic columns in the order they appear in the output. */
  private readonly dynamicOrder: readonly Dynamic[];
  private readonly departmentFormat: (token: string) => string;
  private readonly ageIsInt: boolean;
  private readonly salaryIsInt: boolean;
  private readonly profileIsText: boolean;

  // The gathered rows of the current chunk.
  private pending = 0;
  private segments: string[] = [];
  private staticMissing: number[] = [];
  /** The frame's age, salary and department (as the DataFrame step reads them). */
  private frame: FrameRow[] = [];
  private ageText: string[] = [];
  private salaryText: string[] = [];
  private address: (string | null)[] = [];
  private phone: (string | null)[] = [];
  private email: (string | null)[] = [];

  // Produced text not yet taken, as UTF-8.
  private readonly cleanedOut: Utf8Sink;
  private readonly transformedOut: Utf8Sink;

  // Per-row aggregates not yet taken.
  private readonly aggregates = new RowAggregator();

  private header: boolean;
  private readonly floats = new FloatTexts();

  /**
   * `withHeader`: the first record given is the header (skipped; pass 1 validated it).
   * `expectedBytes`: about how many bytes each output will take (the input's size will do);
   * `buffers`: where the outputs' buffers come from (see {@link Utf8Sink}).
   */
  constructor(
    private readonly analysis: Analysis,
    chunkRows = DEFAULT_CHUNK_ROWS,
    withHeader = true,
    expectedBytes = 64 * 1024,
    buffers?: BufferPool,
  ) {
    this.header = withHeader;
    this.cleanedOut = new Utf8Sink(expectedBytes, buffers);
    this.transformedOut = new Utf8Sink(expectedBytes, buffers);
    this.chunkRows = chunkRows;
    const { layout, kinds } = analysis;
    this.width = layout.header.length;
    const dynamic = new Map<number, Dynamic>([
      [layout.age, "age"],
      [layout.salary, "salary"],
      [layout.department, "department"],
    ]);
    this.formatters = kinds.map((kind, c) =>
      dynamic.has(c) || c === layout.profile ? null : valueFormatter(kind),
    );
    this.slots = layout.header.map((_, c) => c).filter((c) => c !== layout.profile);
    this.dynamicOrder = this.slots
      .filter((c) => dynamic.has(c))
      .map((c) => dynamic.get(c) as Dynamic);
    // Department values are printed (and quoted) after the fill, so text stays raw here.
    const departmentKind = kinds[layout.department] as ColumnKind;
    this.departmentFormat = departmentKind === "text" ? (t) => t : valueFormatter(departmentKind);
    this.ageIsInt = kinds[layout.age] === "int";
    this.salaryIsInt = kinds[layout.salary] === "int";
    this.profileIsText = kinds[layout.profile] === "text";
  }

  /** The header lines of the two row outputs. */
  headers(): { cleaned: string; transformed: string } {
    const line = (names: readonly string[]) => `${names.map(csvField).join(",")}\n`;
    return {
      cleaned: line(this.analysis.layout.cleanedColumns),
      transformed: line(this.analysis.layout.transformedColumns),
    };
  }

  /** Takes one input record (the first is the header, already validated by pass 1). */
  onRecord(record: CsvRecord): void {
    if (this.header) {
      this.header = false;
      return;
    }
    const { layout } = this.analysis;
    let segment = "";
    let missing = 0;
    const slots = this.slots;
    for (let k = 0; k < slots.length; k++) {
      const c = slots[k] as number;
      if (k !== 0) segment += ",";
      const format = this.formatters[c];
      if (!format) {
        this.segments.push(segment);
        segment = "";
        continue;
      }
      const token = record.get(c);
      if (isNaToken(token)) missing++;
      else segment += format(token as string);
    }
    this.segments.push(segment);
    this.staticMissing.push(missing);

    const age = record.get(layout.age);
    if (this.ageIsInt) this.ageText.push(formatIntToken(age as string));
    const salary = record.get(layout.salary);
    if (this.salaryIsInt) this.salaryText.push(formatIntToken(salary as string));
    const department = record.get(layout.department);
    this.frame.push([
      isNaToken(age) ? NaN : parseFloatToken(age as string),
      isNaToken(salary) ? NaN : parseFloatToken(salary as string),
      isNaToken(department) ? null : this.departmentFormat(department as string),
    ]);

    const p = layout.profile;
    let profile: ProfileValues;
    if (!this.profileIsText) {
      profile = parseProfile(null);
    } else if (record.isEscaped(p)) {
      profile = parseEscapedProfile(record.raw(p) as string, () => record.get(p) as string);
    } else {
      const token = record.get(p);
      profile = parseProfile(isNaToken(token) ? null : (token as string));
    }
    this.address.push(profile.address);
    this.phone.push(profile.phone);
    this.email.push(profile.email);

    if (++this.pending >= this.chunkRows) this.flush();
  }

  /** Transforms what is still gathered (call once at the end of the input). */
  finish(): void {
    this.flush();
  }

  /** The output produced since the last call, as UTF-8 (empty when there is none). */
  take(): { cleaned: Uint8Array; transformed: Uint8Array } {
    return { cleaned: this.cleanedOut.take(), transformed: this.transformedOut.take() };
  }

  /** The DataFrame step on the gathered chunk, then its output lines and aggregates. */
  private flush(): void {
    const n = this.pending;
    if (n === 0) return;
    const out = transformChunk({ rows: this.frame }, fillValuesOf(this.analysis));
    const parts = this.dynamicOrder.length + 1;
    const order = this.dynamicOrder;
    const cleaned: string[] = new Array(n);
    const transformed: string[] = new Array(n);
    const salts = new Uint8Array(n);
    const aggregates = this.aggregates;
    const first = aggregates.rows;
    const fingerprints = aggregates.fingerprintRoom(n);
    for (let r = 0; r < n; r++) {
      let missing = this.staticMissing[r] as number;
      const base = r * parts;
      let line = this.segments[base] as string;
      for (let d = 0; d < order.length; d++) {
        const which = order[d];
        if (which === "department") {
          line += csvField(out.department[r] as string);
        } else {
          const value = (which === "age" ? out.age[r] : out.salary[r]) as number;
          if (Number.isNaN(value)) missing++;
          if (which === "age" ? this.ageIsInt : this.salaryIsInt) {
            line += (which === "age" ? this.ageText[r] : this.salaryText[r]) as string;
          } else {
            line += this.floats.of(value);
          }
        }
        line += this.segments[base + d + 1] as string;
      }
      const address = this.address[r] ?? null;
      const phone = this.phone[r] ?? null;
      const email = this.email[r] ?? null;
      line += address === null ? "," : `,${csvField(address)}`;
      line += phone === null ? "," : `,${csvField(phone)}`;
      line += email === null ? "," : `,${csvField(email)}`;
      const category = out.salaryCategory[r] ?? null;
      const group = out.ageGroup[r] ?? null;
      missing +=
        (address === null ? 1 : 0) +
        (phone === null ? 1 : 0) +
        (email === null ? 1 : 0) +
        (category === null ? 1 : 0) +
        (group === null ? 1 : 0);
      cleaned[r] = line;
      const addressLength = address === null ? 0 : codePointLength(address);
      transformed[r] = `${line},${addressLength},${category ?? ""},${group ?? ""}`;
      // The transformed row is a function of the cleaned one, whose text is canonical except that
      // "" and None print alike: the flags, its fingerprint's salt, keep those apart.
      salts[r] = (address === null ? 1 : 0) | (phone === null ? 2 : 0) | (email === null ? 4 : 0);
      aggregates.add(
        missing,
        out.department[r] as string,
        out.salary[r] as number,
        out.age[r] as number,
      );
    }
    writeFingerprintedLines(this.cleanedOut, cleaned, salts, fingerprints, first);
    writeLines(this.transformedOut, transformed);
    this.pending = 0;
    this.segments = [];
    this.staticMissing = [];
    this.frame = [];
    this.ageText = [];
    this.salaryText = [];
    this.address = [];
    this.phone = [];
    this.email = [];
  }

  /** Rows transformed since the last {@link takeAggregates}. */
  get rows(): number {
    return this.aggregates.rows;
  }

  /** The per-row aggregates of the rows transformed since the last call. */
  takeAggregates(): RowAggregates {
    return this.aggregates.take();
  }
}

/** How a non-missing value of a column of `kind` is printed by `to_csv`. */
export function valueFormatter(kind: ColumnKind): (token: string) => string {
  switch (kind) {
    case "int":
      return formatIntToken;
    case "float":
      return formatFloatToken;
    case "bool":
      return (t) => (t.charCodeAt(0) === 0x74 || t.charCodeAt(0) === 0x54 ? "True" : "False");
    case "empty":
      return () => "";
    default:
      return csvField;
  }
}
