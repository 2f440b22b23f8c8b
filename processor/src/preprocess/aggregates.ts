/**
 * The whole-file aggregates of pass 2, merged on one thread in row order from the runs the workers
 * transformed: duplicate rows (row fingerprints), per-department means (Kahan sums, whose result
 * depends on the order of the values, hence the ordered merge) and missing values.
 */
import type { Analysis } from "./analyze";
import { csvField, formatFloat } from "./pandas-format";
import type { RowAggregates } from "./row-aggregates";
import { compareCodePoints, FingerprintSet, KahanMean } from "./stats";
import { UNKNOWN_DEPARTMENT } from "./transform";

/** The quality metrics of the reference (counted on the transformed table). */
export interface QualityMetrics {
  readonly total_rows: number;
  readonly total_columns: number;
  readonly missing_values_count: number;
  readonly duplicate_rows: number;
}

interface Group {
  readonly salary: KahanMean;
  readonly age: KahanMean;
}

/** Accumulates {@link RowAggregates} in file order. */
export class FileAggregates {
  private rowsDone = 0;
  private missing = 0;
  private readonly fingerprints: FingerprintSet;
  private readonly groups = new Map<string, Group>();

  constructor(private readonly analysis: Analysis) {
    this.fingerprints = new FingerprintSet(analysis.rows);
  }

  /** Adds the next run of rows (runs must come in file order). */
  add(run: RowAggregates): void {
    this.rowsDone += run.rows;
    this.missing += run.missing;
    const { fingerprints, departmentIds, salary, age } = run;
    const groups = run.departments.map((name) => this.group(name));
    for (let r = 0; r < run.rows; r++) {
      this.fingerprints.addFingerprint(
        fingerprints[2 * r] as number,
        fingerprints[2 * r + 1] as number,
      );
      const group = groups[departmentIds[r] as number] as Group;
      group.salary.add(salary[r] as number);
      group.age.add(age[r] as number);
    }
  }

  private group(name: string): Group {
    let group = this.groups.get(name);
    if (!group) {
      group = { salary: new KahanMean(), age: new KahanMean() };
      this.groups.set(name, group);
    }
    return group;
  }

  /** Rows merged so far. */
  get rows(): number {
    return this.rowsDone;
  }

  /** `df.groupby("department").agg({"salary": "mean", "age": "mean"}).to_csv()`. */
  departmentStatisticsCsv(): string {
    const kind = this.analysis.kinds[this.analysis.layout.department];
    // Numeric department values with no missing ones stay numbers in pandas and sort as numbers.
    const numeric = (kind === "int" || kind === "float") && !this.groups.has(UNKNOWN_DEPARTMENT);
    const keys = [...this.groups.keys()].sort(
      numeric ? (a, b) => Number(a) - Number(b) : compareCodePoints,
    );
    const lines = keys.map((key) => {
      const g = this.groups.get(key) as Group;
      return `${csvField(key)},${formatFloat(g.salary.value)},${formatFloat(g.age.value)}\n`;
    });
    return `department,salary,age\n${lines.join("")}`;
  }

  /** The reference's quality metrics for the rows merged so far. */
  metrics(): QualityMetrics {
    return {
      total_rows: this.rowsDone,
      total_columns: this.analysis.layout.transformedColumns.length,
      missing_values_count: this.missing,
      duplicate_rows: this.fingerprints.duplicates,
    };
  }
}
