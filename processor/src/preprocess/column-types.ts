/**
 * Type inference of pandas' C parser (pandas 1.5, `read_csv` defaults), column by column: which
 * tokens are missing, and whether a whole column becomes int64, float64, bool or object. The output
 * format of every value depends on its column's type (`7` vs `7.0` vs `007`), so the first pass
 * decides each column's kind before the second pass writes anything.
 */

/** Tokens `read_csv` reads as NaN by default (pandas 1.5: "None" is not one of them). */
export const NA_TOKENS: ReadonlySet<string> = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "n/a",
  "nan",
  "null",
]);

/** True when pandas reads `token` (possibly absent: a short row) as NaN. */
export function isNaToken(token: string | undefined): boolean {
  return token === undefined || token === "" || (token.length <= 8 && NA_TOKENS.has(token));
}

/** The class of one non-missing token. */
export enum TokenClass {
  Int = 1,
  Float = 2,
  Bool = 3,
  Text = 4,
}

const INT = /^[ \t]*[+-]?\d+[ \t]*$/;
const FLOAT =
  /^[ \t]*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)[ \t]*$/i;
const BOOL = /^(?:true|false)$/i;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;

/** Classifies a non-missing token as pandas' parser would (ints beyond uint64 stay text). */
export function classifyToken(token: string): TokenClass {
  if (INT.test(token)) {
    const trimmed = token.trim();
    // 18 digits always fit in int64; longer ones are checked exactly.
    if (trimmed.replace(/^[+-]/, "").length <= 18) return TokenClass.Int;
    const n = BigInt(trimmed);
    return n >= INT64_MIN && n <= UINT64_MAX ? TokenClass.Int : TokenClass.Text;
  }
  if (FLOAT.test(token)) {
    // Overflowing literals (1e309) are not floats to pandas: the column stays text.
    return Number.isFinite(parseFloatToken(token)) || /inf/i.test(token)
      ? TokenClass.Float
      : TokenClass.Text;
  }
  if (BOOL.test(token)) return TokenClass.Bool;
  return TokenClass.Text;
}

/** True when an int token is above int64 (pandas then makes the column uint64 or text). */
export function isBeyondInt64(token: string): boolean {
  const trimmed = token.trim();
  return trimmed.replace(/^[+-]/, "").length > 18 && BigInt(trimmed) > INT64_MAX;
}

/** The float value of a numeric token (int or float class), including `inf`/`-Infinity`. */
export function parseFloatToken(token: string): number {
  const n = Number(token);
  if (!Number.isNaN(n)) return n;
  const t = token.trim().toLowerCase();
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  return NaN;
}

/** The dtype pandas ends up with for a whole column. */
export type ColumnKind = "empty" | "int" | "float" | "bool" | "text";

/** What a {@link ColumnTypeTracker} has seen, as plain data (it crosses worker threads). */
export interface TrackerState {
  /** Bit set of the classes seen (see {@link ColumnTypeTracker.state}). */
  readonly flags: number;
  readonly missing: number;
}

/** Accumulates the classes seen in one column; `kind` is the dtype pandas would infer. */
export class ColumnTypeTracker {
  private ints = false;
  private floats = false;
  private bools = false;
  private texts = false;
  private uint64 = false;
  private negatives = false;
  /** Number of missing tokens seen (until the column is settled as text). */
  missing = 0;

  /** True once the column can only be text: later tokens need no classification. */
  get settled(): boolean {
    return this.texts;
  }

  /** Records one token (`undefined`: the row was short). */
  add(token: string | undefined): void {
    if (isNaToken(token)) {
      this.missing++;
      return;
    }
    if (this.texts) return;
    const t = token as string;
    switch (classifyToken(t)) {
      case TokenClass.Int:
        this.ints = true;
        if (isBeyondInt64(t)) this.uint64 = true;
        else if (t.trim().startsWith("-")) this.negatives = true;
        break;
      case TokenClass.Float:
        this.floats = true;
        break;
      case TokenClass.Bool:
        this.bools = true;
        break;
      default:
        this.texts = true;
    }
  }

  /** The classes seen so far, to merge into the tracker of the same column of another chunk. */
  state(): TrackerState {
    const flags =
      (this.ints ? 1 : 0) |
      (this.floats ? 2 : 0) |
      (this.bools ? 4 : 0) |
      (this.texts ? 8 : 0) |
      (this.uint64 ? 16 : 0) |
      (this.negatives ? 32 : 0);
    return { flags, missing: this.missing };
  }

  /** Adds what another tracker of the same column saw (the order of chunks does not matter). */
  merge(other: TrackerState): void {
    const f = other.flags;
    this.ints ||= (f & 1) !== 0;
    this.floats ||= (f & 2) !== 0;
    this.bools ||= (f & 4) !== 0;
    this.texts ||= (f & 8) !== 0;
    this.uint64 ||= (f & 16) !== 0;
    this.negatives ||= (f & 32) !== 0;
    this.missing += other.missing;
  }

  /** The inferred dtype of the column. */
  get kind(): ColumnKind {
    if (this.texts) return "text";
    if (this.bools) return this.ints || this.floats ? "text" : "bool";
    // uint64 together with negatives does not fit any integer dtype: pandas keeps the text.
    if (this.uint64 && this.negatives) return "text";
    if (this.floats) return "float";
    if (this.ints) return this.missing > 0 ? "float" : "int";
    return "empty";
  }
}
