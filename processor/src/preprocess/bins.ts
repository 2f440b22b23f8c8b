/**
 * `pd.cut` with right-closed bins as the reference uses them: a value in (low, high] gets the
 * bin's label; values outside every bin, and missing values, get no label (NaN).
 */

/** One right-closed bin (low, high]. */
export interface Bin {
  readonly low: number;
  readonly high: number;
  readonly label: string;
}

/** Salary bins: (0, 50000] low, (50000, 70000] medium, (70000, 100000] high. */
export const SALARY_BINS: readonly Bin[] = [
  { low: 0, high: 50000, label: "low" },
  { low: 50000, high: 70000, label: "medium" },
  { low: 70000, high: 100000, label: "high" },
];

/** Age bins: (0,25] Young … (55, ∞] Experienced. */
export const AGE_BINS: readonly Bin[] = [
  { low: 0, high: 25, label: "Young" },
  { low: 25, high: 35, label: "Early Career" },
  { low: 35, high: 45, label: "Mid Career" },
  { low: 45, high: 55, label: "Senior" },
  { low: 55, high: Infinity, label: "Experienced" },
];

/** The label of the bin holding `value`, or null (outside every bin, or NaN). */
export function cut(value: number, bins: readonly Bin[]): string | null {
  for (const bin of bins) {
    if (value > bin.low && value <= bin.high) return bin.label;
  }
  return null;
}
