/**
 * The DataFrame step of the preprocessing, on one bounded chunk of rows, with danfojs-node: fill
 * missing `age`/`salary` with the whole file's medians (from the first pass) and `department` with
 * "Unknown", then bin salaries and ages into `salary_category` and `age_group` (`pd.cut`).
 *
 * danfojs copies every row on each operation, so the frame holds only the three columns these
 * steps touch, with their dtypes given (no inference pass); the text columns (`profile` parsing,
 * `address_length`, formatting) are plain loops in the pipeline.
 */
import type { DataFrame as DataFrameType } from "danfojs-node";
import { AGE_BINS, cut, SALARY_BINS } from "./bins";

/** The columns of a chunk the step reads (missing = NaN for numbers, null for text). */
export interface ChunkInput {
  readonly age: number[];
  readonly salary: number[];
  readonly department: (string | null)[];
}

/** The step's result, one array per column, in row order. */
export interface ChunkOutput {
  readonly age: readonly number[];
  readonly salary: readonly number[];
  readonly department: readonly string[];
  readonly salaryCategory: readonly (string | null)[];
  readonly ageGroup: readonly (string | null)[];
}

/** The values that replace missing ones (from the whole file, not the chunk). */
export interface FillValues {
  readonly age: number;
  readonly salary: number;
  readonly department: string;
}

type Danfo = typeof import("danfojs-node");
let danfo: Pick<Danfo, "DataFrame"> | undefined;

/**
 * danfojs' DataFrame, loaded on first use. The core entry point (`dist/danfojs-base`, the same
 * classes the package's main re-exports) skips the Excel and HTTP readers, a third of the load time;
 * the package version is pinned exactly.
 */
export function loadDanfo(): Pick<Danfo, "DataFrame"> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  danfo ??= require("danfojs-node/dist/danfojs-base") as Pick<Danfo, "DataFrame">;
  return danfo;
}

/** Runs the cleaning and binning steps on one chunk. */
export function transformChunk(input: ChunkInput, fill: FillValues): ChunkOutput {
  const { DataFrame } = loadDanfo();
  const df: DataFrameType = new DataFrame(
    { age: input.age, salary: input.salary, department: input.department },
    { dtypes: ["float32", "float32", "string"] },
  );
  // A median of NaN (a column without any value) fills nothing, as in pandas.
  const columns = ["department"];
  const values: (string | number)[] = [fill.department];
  if (!Number.isNaN(fill.age)) {
    columns.push("age");
    values.push(fill.age);
  }
  if (!Number.isNaN(fill.salary)) {
    columns.push("salary");
    values.push(fill.salary);
  }
  df.fillNa(values, { columns, inplace: true });
  const age = df.column("age");
  const salary = df.column("salary");
  return {
    age: age.values as number[],
    salary: salary.values as number[],
    department: df.column("department").values as string[],
    salaryCategory: salary.map((s: number) => cut(s, SALARY_BINS)).values as (string | null)[],
    ageGroup: age.map((a: number) => cut(a, AGE_BINS)).values as (string | null)[],
  };
}
