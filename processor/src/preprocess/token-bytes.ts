/**
 * The common shapes of a token read straight from a chunk's UTF-8 bytes, for pass 1's byte scan
 * (chunk-analysis.ts): the empty token, short integers and plain decimals, and their exact values.
 * Every other token is decoded and given to the string functions of column-types.ts, so these
 * only decide what those would decide the same way (the property tests compare the two).
 */
import { DOT, MINUS, NINE, PLUS, ZERO } from "./char-codes";

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
