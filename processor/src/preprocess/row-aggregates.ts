/**
 * What pass 2 collects per row for the whole-file aggregates (aggregates.ts), in row order, the
 * same for the tokenizer's path (transform-pass.ts) and the byte path (transform-bytes.ts).
 */
/**
 * Per row of a run, in row order, what the whole-file aggregates need: typed arrays and one short
 * list of names, so they cross threads cheaply.
 */
export interface RowAggregates {
  readonly rows: number;
  /** Missing values of the transformed rows. */
  readonly missing: number;
  /** Two 32-bit hashes per row (see `fingerprintBytes` in stats.ts). */
  readonly fingerprints: Uint32Array;
  /** The distinct departments of the run (after the fill). */
  readonly departments: readonly string[];
  /** Per row, the index of its department in `departments`. */
  readonly departmentIds: Uint32Array;
  /** Per row, the filled salary and age (NaN when still missing). */
  readonly salary: Float64Array;
  readonly age: Float64Array;
}

/** Collects {@link RowAggregates} row by row. */
export class RowAggregator {
  private rowsDone = 0;
  private missing = 0;
  private fingerprints = new Uint32Array(2 * 1024);
  private departmentIndex = new Map<string, number>();
  private departments: string[] = [];
  private departmentIds: number[] = [];
  private filledSalary: number[] = [];
  private filledAge: number[] = [];

  /** Rows added since the last {@link take}. */
  get rows(): number {
    return this.rowsDone;
  }

  /**
   * The fingerprint words, with room for `more` rows after those added: row `r`'s two words are
   * at `2 * r` (valid until the next call).
   */
  fingerprintRoom(more: number): Uint32Array {
    const needed = 2 * (this.rowsDone + more);
    if (needed > this.fingerprints.length) {
      let size = this.fingerprints.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.fingerprints);
      this.fingerprints = grown;
    }
    return this.fingerprints;
  }

  /** Counts one row: its missing values, department, salary and age (its fingerprint is written apart). */
  add(missing: number, department: string, salary: number, age: number): void {
    this.rowsDone++;
    this.missing += missing;
    let id = this.departmentIndex.get(department);
    if (id === undefined) {
      id = this.departments.length;
      this.departments.push(department);
      this.departmentIndex.set(department, id);
    }
    this.departmentIds.push(id);
    this.filledSalary.push(salary);
    this.filledAge.push(age);
  }

  /** The aggregates of the rows added since the last call. */
  take(): RowAggregates {
    const rows = this.rowsDone;
    const taken: RowAggregates = {
      rows,
      missing: this.missing,
      fingerprints: this.fingerprints.slice(0, 2 * rows),
      departments: this.departments,
      departmentIds: Uint32Array.from(this.departmentIds),
      salary: Float64Array.from(this.filledSalary),
      age: Float64Array.from(this.filledAge),
    };
    this.rowsDone = 0;
    this.missing = 0;
    this.departmentIndex = new Map();
    this.departments = [];
    this.departmentIds = [];
    this.filledSalary = [];
    this.filledAge = [];
    return taken;
  }
}
