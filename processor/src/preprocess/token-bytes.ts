/**
 * The common shapes of a token read straight from a chunk's UTF-8 bytes, for the byte paths of
 * both passes (chunk-analysis.ts, transform-bytes.ts): the empty token, short integers and plain
 * decimals, their exact values, and whether pandas prints them as they are written. Every other
 * token is decoded ({@link TokenText}) and given to the string functions of column-types.ts and
 * pandas-format.ts, so these only decide what those would decide the same way (the property tests
 * compare the two).
 */
import { DOT, MINUS, NINE, PLUS, ZERO } from "./char-codes";
import { mayBeNaToken, NA_TOKENS } from "./column-types";

/** What {@link simpleTokenClass} tells of a token. */
export const SimpleToken = {
  /** The empty token: missing. */
  Missing: 0,
  /** `[+-]?\d+`, at most 18 characters (so within int64), not negative. */
  Int: 1,
  /** `-\d+`, at most 18 characters. */
  NegativeInt: 2,
  /** `[+-]?(\d+\.\d*|\.\d+)`, at most 18 characters (so finite). */
  Float: 3,
  /** Anything else: decode it and ask the string functions. */
  Other: 4,
} as const;

export type SimpleToken = (typeof SimpleToken)[keyof typeof SimpleToken];

/**
 * The longest token taken here: 18 characters cannot hold a 19-digit integer (int64's limit is
 * checked on the text beyond that) nor a decimal too large for a double.
 */
const MAX_SIMPLE_LENGTH = 18;

/**
 * The class of the token `bytes[start..end)` when it has one of the simple shapes (no blanks, no
 * exponent, no letters), else {@link SimpleToken.Other}. None of these shapes is an NA token
 * other than the empty one: every NA token but "" ends with a letter or `>`.
 */
export function simpleTokenClass(bytes: Uint8Array, start: number, end: number): SimpleToken {
  const length = end - start;
  if (length === 0) return SimpleToken.Missing;
  if (length > MAX_SIMPLE_LENGTH) return SimpleToken.Other;
  let i = start;
  const sign = bytes[i];
  if (sign === MINUS || sign === PLUS) i++;
  let digits = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = bytes[i] as number;
    if (c >= ZERO && c <= NINE) digits++;
    else if (c === DOT && !dot) dot = true;
    else return SimpleToken.Other;
  }
  if (digits === 0) return SimpleToken.Other;
  if (dot) return SimpleToken.Float;
  return sign === MINUS ? SimpleToken.NegativeInt : SimpleToken.Int;
}

/** Exact powers of ten (every one up to 10^22 is a double). */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** Digits a double holds exactly in every case (10^15 < 2^53). */
const MAX_EXACT_DIGITS = 15;

/**
 * The number `Number()` reads from a token of class Int, NegativeInt or Float, when it has at
 * most 15 digits; NaN when it has more (then ask `Number`). The digits make an exact integer m
 * and the fraction's length k an exact 10^k, so IEEE division rounds m / 10^k once, correctly, as
 * `Number` rounds the decimal (the fast path of W. D. Clinger, "How to read floating point numbers
 * accurately", PLDI 1990).
 */
export function simpleTokenValue(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const sign = bytes[i];
  if (sign === MINUS || sign === PLUS) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = bytes[i] as number;
    if (c === DOT) {
      dot = true;
      continue;
    }
    mantissa = mantissa * 10 + (c - ZERO);
    digits++;
    if (dot) scale++;
  }
  if (digits > MAX_EXACT_DIGITS) return NaN;
  const value = scale === 0 ? mantissa : mantissa / (POWERS_OF_TEN[scale] as number);
  return sign === MINUS ? -value : value;
}

/** The text of a chunk's tokens, decoded one at a time (the tokens a byte scan cannot read itself). */
export class TokenText {
  private readonly buffer: Buffer;

  constructor(bytes: Uint8Array) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The value of the field `[start..end)`, doubled quotes made single when `escaped`. */
  of(start: number, end: number, escaped: boolean): string {
    const token = this.buffer.toString("utf8", start, end);
    return escaped ? token.replaceAll('""', '"') : token;
  }

  /** True when the field `[start..end)` (without doubled quotes) is an NA token, as {@link isNaToken}. */
  isNa(start: number, end: number): boolean {
    if (start === end) return true;
    return (
      mayBeNaToken(end - start, this.buffer[end - 1] as number) &&
      NA_TOKENS.has(this.of(start, end, false))
    );
  }
}

/** How pandas prints a token of a float column, told by {@link floatPrint}. */
export const FloatPrint = {
  /** As it is written (`2578.16`). */
  AsIs: 0,
  /** As it is written, then `.0` (`50000` → `50000.0`). */
  PointZero: 1,
  /** Otherwise: ask the string functions. */
  Other: 2,
} as const;

export type FloatPrint = (typeof FloatPrint)[keyof typeof FloatPrint];

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= ZERO && c <= NINE;

/**
 * Whether `formatFloatToken` prints the token `bytes[start..end)` as it is, or with `.0`: the fast
 * path of that function, on bytes (a decimal of at most 15 digits with no leading or trailing
 * zeros, at least 1e-4; an integer of at most 15 digits with no leading zero).
 */
export function floatPrint(bytes: Uint8Array, start: number, end: number): FloatPrint {
  if (end - start > 17) return FloatPrint.Other;
  let i = start;
  if (bytes[i] === MINUS) i++;
  const intStart = i;
  while (i < end && isDigit(bytes[i])) i++;
  const intDigits = i - intStart;
  if (intDigits === 0 || (intDigits > 1 && bytes[intStart] === ZERO)) return FloatPrint.Other;
  if (i === end) {
    return bytes[intStart] !== ZERO && intDigits <= MAX_EXACT_DIGITS
      ? FloatPrint.PointZero
      : FloatPrint.Other;
  }
  if (bytes[i] !== DOT) return FloatPrint.Other;
  const fracStart = ++i;
  while (i < end && isDigit(bytes[i])) i++;
  if (i !== end || i === fracStart || bytes[end - 1] === ZERO) return FloatPrint.Other;
  if (intDigits + (end - fracStart) > MAX_EXACT_DIGITS) return FloatPrint.Other;
  // Below 1e-4 Python prints scientific notation.
  const belowTenThousandth =
    bytes[intStart] === ZERO &&
    bytes[fracStart] === ZERO &&
    bytes[fracStart + 1] === ZERO &&
    bytes[fracStart + 2] === ZERO;
  return belowTenThousandth ? FloatPrint.Other : FloatPrint.AsIs;
}

/**
 * True when `formatIntToken` prints the integer token `bytes[start..end)` as it is: `0`, or
 * digits with no leading zero after an optional minus (no plus, no blanks).
 */
export function intPrintedAsIs(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (bytes[i] === MINUS) i++;
  if (i >= end) return false;
  if (bytes[i] === ZERO) return i === start && end === start + 1;
  for (; i < end; i++) if (!isDigit(bytes[i])) return false;
  return true;
}
