/**
 * Type inference of pandas' C parser (pandas 1.5, `read_csv` defaults), column by column: which
 * tokens are missing, and whether a whole column becomes int64, float64, bool or object. The output
 * format of every value depends on its column's type (`7` vs `7.0` vs `007`), so the first pass
 * decides each column's kind before the second pass writes anything.
 */
import { DOT, MINUS, NINE, PLUS, SPACE, TAB, ZERO } from "./char-codes";

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

/** Per ASCII code, 1 when some NA token ends with that character (never a digit). */
const NA_LAST = new Uint8Array(128);
for (const token of NA_TOKENS) if (token !== "") NA_LAST[token.charCodeAt(token.length - 1)] = 1;

/**
 * True when pandas reads `token` (possibly absent: a short row) as NaN. The set is only asked when
 * the last character can end an NA token: a number or a date ends with a digit, which none does.
 */
export function isNaToken(token: string | undefined): boolean {
  if (token === undefined || token === "") return true;
  const n = token.length;
  return mayBeNaToken(n, token.charCodeAt(n - 1)) && NA_TOKENS.has(token);
}

/**
 * False when a token of `length` characters (or bytes: NA tokens are ASCII) whose last one is
 * `last` cannot be an NA token other than "", so the set need not be asked.
 */
export function mayBeNaToken(length: number, last: number): boolean {
  return length <= 8 && NA_LAST[last] === 1;
}

/** The class of one non-missing token. */
export enum TokenClass {
  Int = 1,
  Float = 2,
  Bool = 3,
  Text = 4,
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** True when `token[from..to)` is the ASCII word `lower`, in any letter case. */
function isWordAt(token: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  // Setting bit 5 folds only an ASCII letter onto its lower case: no other character lands on one.
  for (let k = 0; k < lower.length; k++) {
    if ((token.charCodeAt(from + k) | 0x20) !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/** Index after the digits starting at `i`. */
function skipDigits(token: string, i: number, end: number): number {
  while (i < end && isDigit(token.charCodeAt(i))) i++;
  return i;
}

/** Index after an exponent (`[eE][+-]?\d+`) at `i`, or `i` when there is none. */
function skipExponent(token: string, i: number, end: number): number {
  if (i >= end || (token.charCodeAt(i) | 0x20) !== 0x65 /* e */) return i;
  let j = i + 1;
  const sign = token.charCodeAt(j);
  if (sign === PLUS || sign === MINUS) j++;
  const digitsEnd = skipDigits(token, j, end);
  return digitsEnd > j ? digitsEnd : i;
}

/**
 * The class of a token by its shape, as pandas' C parser reads it (blanks are spaces and tabs):
 * Int `[+-]?\d+`, Float `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?` or `[+-]?(inf|infinity)` in any
 * case, each between blanks; Bool `true|false` in any case, with no blanks. A character loop
 * instead of three regular expressions, with the length check in {@link isBeyondInt64}: pass 1 on
 * 1M rows on one thread 2.09 -> 1.88 s (median of 8 alternating runs; the fastest 1.87 -> 1.61 s).
 */
function tokenShape(token: string): TokenClass {
  const len = token.length;
  if (isWordAt(token, 0, len, "true") || isWordAt(token, 0, len, "false")) return TokenClass.Bool;
  let start = 0;
  while (start < len && isBlank(token.charCodeAt(start))) start++;
  let end = len;
  while (end > start && isBlank(token.charCodeAt(end - 1))) end--;
  let i = start;
  const sign = token.charCodeAt(i);
  if (sign === PLUS || sign === MINUS) i++;
  const intEnd = skipDigits(token, i, end);
  if (intEnd > i) {
    if (intEnd === end) return TokenClass.Int;
    let j = intEnd;
    if (token.charCodeAt(j) === DOT) j = skipDigits(token, j + 1, end);
    return skipExponent(token, j, end) === end ? TokenClass.Float : TokenClass.Text;
  }
  if (token.charCodeAt(i) === DOT) {
    const fractionEnd = skipDigits(token, i + 1, end);
    if (fractionEnd === i + 1) return TokenClass.Text;
    return skipExponent(token, fractionEnd, end) === end ? TokenClass.Float : TokenClass.Text;
  }
  return isWordAt(token, i, end, "inf") || isWordAt(token, i, end, "infinity")
    ? TokenClass.Float
    : TokenClass.Text;
}

/** Classifies a non-missing token as pandas' parser would (ints beyond uint64 stay text). */
export function classifyToken(token: string): TokenClass {
  const shape = tokenShape(token);
  if (shape === TokenClass.Int) {
    const trimmed = token.trim();
    // 18 digits always fit in int64; longer ones are checked exactly.
    const first = trimmed.charCodeAt(0);
    const digits = first === PLUS || first === MINUS ? trimmed.length - 1 : trimmed.length;
    if (digits <= 18) return TokenClass.Int;
    const n = BigInt(trimmed);
    return n >= INT64_MIN && n <= UINT64_MAX ? TokenClass.Int : TokenClass.Text;
  }
  if (shape === TokenClass.Float) {
    // Overflowing literals (1e309) are not floats to pandas: the column stays text.
    return Number.isFinite(parseFloatToken(token)) || /inf/i.test(token)
      ? TokenClass.Float
      : TokenClass.Text;
  }
  return shape;
}

/** True when an int token is above int64 (pandas then makes the column uint64 or text). */
export function isBeyondInt64(token: string): boolean {
  // Up to 18 characters, blanks and sign included, cannot hold 19 digits.
  if (token.length <= 18) return false;
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
        if (isBeyondInt64(t)) {
          this.ints = true;
          this.uint64 = true;
        } else {
          this.addInt(t.trim().charCodeAt(0) === MINUS);
        }
        break;
      case TokenClass.Float:
        this.addFloat();
        break;
      case TokenClass.Bool:
        this.bools = true;
        break;
      default:
        this.texts = true;
    }
  }

  /** Records a missing token already told apart by its shape (see token-bytes.ts). */
  addMissing(): void {
    this.missing++;
  }

  /** Records a token already known to be an integer within int64 (`negative`: it has a minus). */
  addInt(negative: boolean): void {
    this.ints = true;
    if (negative) this.negatives = true;
  }

  /** Records a token already known to be a finite float. */
  addFloat(): void {
    this.floats = true;
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
