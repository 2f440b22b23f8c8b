/**
 * Text formats of the pandas reference (`DataFrame.to_csv`, `json.dump`), so outputs are
 * byte-identical: float columns print like Python's `repr(float)` (`50000.0`, `1e-05`, `1e+16`),
 * missing values print as the empty string, and fields are quoted only when Python's csv writer
 * (QUOTE_MINIMAL, line terminator "\n") would quote them.
 */
import { parseFloatToken } from "./column-types";

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's), but in fixed
 * notation only for decimal exponents -4..15 and always with a fractional part (`50000.0`);
 * otherwise scientific with a signed, at least two-digit exponent (`1e-05`, `1.5e+16`).
 * NaN gives "" (pandas' `na_rep`).
 */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // JavaScript prints fixed notation for 1e-6 <= |x| < 1e21 with the same shortest digits.
    const text = String(value);
    return Number.isInteger(value) ? `${text}.0` : text;
  }
  const [mantissa = "", exponent = "0"] = value.toExponential().split("e");
  const sign = exponent.startsWith("-") ? "-" : "+";
  const digits = exponent.replace(/^[+-]/, "");
  return `${mantissa}e${sign}${digits.padStart(2, "0")}`;
}

/** Python's float text, memoized: filled ages and salaries have few distinct values. */
export class FloatTexts {
  private readonly memo = new Map<number, string>();

  of(value: number): string {
    let text = this.memo.get(value);
    if (text === undefined) {
      text = formatFloat(value);
      if (this.memo.size < 4096) this.memo.set(value, text);
    }
    return text;
  }
}

/**
 * An integer token as pandas prints an int64 column: no sign for positives, no leading zeros,
 * no surrounding whitespace (`" +007 "` → `7`, `"-0"` → `0`). The token must be an integer token.
 */
export function formatIntToken(token: string): string {
  const trimmed = token.trim();
  let start = 0;
  let negative = false;
  const first = trimmed.charCodeAt(0);
  if (first === 0x2b /* + */ || first === 0x2d /* - */) {
    negative = first === 0x2d;
    start = 1;
  }
  while (start < trimmed.length - 1 && trimmed.charCodeAt(start) === 0x30 /* 0 */) start++;
  const digits = trimmed.slice(start);
  return negative && digits !== "0" ? `-${digits}` : digits;
}

const NEEDS_QUOTES = /[",\n]/;

/**
 * One CSV field as Python's csv writer writes it with QUOTE_MINIMAL and line terminator "\n":
 * quoted when it contains a comma, a quote or "\n" (not "\r"), with quotes doubled.
 */
export function csvField(text: string): string {
  if (!NEEDS_QUOTES.test(text)) return text;
  return `"${text.replaceAll('"', '""')}"`;
}

/** A JSON scalar or object as Python's `json.dumps` writes it (", " and ": ", ASCII only). */
export type PyJson = string | number | boolean | null | { readonly [key: string]: PyJson };

/** Python's `json.dumps(value)` with default options (`ensure_ascii`, spaced separators). */
export function pythonJsonDumps(value: PyJson): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    return formatFloat(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  const entries = Object.entries(value).map(
    ([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`,
  );
  return `{${entries.join(", ")}}`;
}

const CANONICAL_DECIMAL = /^-?(?:0|[1-9]\d*)\.\d*[1-9]$/;
const CANONICAL_INTEGER = /^-?[1-9]\d{0,14}$/;

/**
 * {@link formatFloat} of a numeric token, skipping the number round trip when the token is already
 * what Python prints: a decimal of at most 15 digits (such a decimal is the shortest text of its
 * double) between 1e-4 and 1e16, or an integer of at most 15 digits (printed with ".0").
 */
export function formatFloatToken(token: string): string {
  const len = token.length;
  if (len <= 17) {
    const digits = len - 1 - (token.charCodeAt(0) === 0x2d ? 1 : 0);
    if (
      digits <= 15 &&
      CANONICAL_DECIMAL.test(token) &&
      !token.startsWith("0.000") &&
      !token.startsWith("-0.000")
    ) {
      return token;
    }
    if (CANONICAL_INTEGER.test(token)) return `${token}.0`;
  }
  return formatFloat(parseFloatToken(token));
}
