/**
 * What the command-line tools share when they read their options (local mode's `npm start`, the
 * smoke test): the error a bad option raises and the number parser whose message names the option
 * and its rule. Pure.
 */

/** Thrown for bad options; the message names the option. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptionsError";
  }
}

/**
 * The number option `--name` given as `raw`: `fallback` when absent; an {@link OptionsError} that
 * states `rule` when it is blank, not finite or fails `check`.
 */
export function numberOption(
  name: string,
  raw: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) {
    throw new OptionsError(`--${name} must be ${rule} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** A check for whole numbers from `lo` to `hi`. */
export const intIn = (lo: number, hi: number) => (n: number) =>
  Number.isInteger(n) && n >= lo && n <= hi;
