/**
 * First pass: what pandas knows after `read_csv` and before any transformation — the header, the
 * dtype of every column, the number of rows, and the medians of `age` and `salary`. Bounded memory:
 * per-column counters and value counts only.
 */
import { ColumnTypeTracker, isNaToken, parseFloatToken, type ColumnKind } from "./column-types";
import { PermanentFileError } from "./errors";
import { layoutFromHeader, type InputLayout } from "./schema";
import { MedianCounter } from "./stats";
import { readRecords, type OpenInput } from "./text-source";

/** Everything the second pass needs to know about the whole file. */
export interface Analysis {
  readonly layout: InputLayout;
  /** Data rows (the header excluded). */
  readonly rows: number;
  /** The pandas dtype of each input column, in header order. */
  readonly kinds: readonly ColumnKind[];
  readonly ageMedian: number;
  readonly salaryMedian: number;
}

const NUMERIC: ReadonlySet<ColumnKind> = new Set(["empty", "int", "float"]);

/** Reads the input once and returns its {@link Analysis}; throws PermanentFileError on bad input. */
export async function analyzeInput(open: OpenInput, signal?: AbortSignal): Promise<Analysis> {
  let layout: InputLayout | undefined;
  let trackers: ColumnTypeTracker[] = [];
  const age = new MedianCounter();
  const salary = new MedianCounter();
  let rows = 0;
  await readRecords(
    open,
    (record) => {
      if (layout === undefined) {
        layout = layoutFromHeader(record.values());
        trackers = layout.header.map(() => new ColumnTypeTracker());
        return;
      }
      rows++;
      const width = trackers.length;
      if (record.length > width) {
        throw new PermanentFileError(
          "too_many_fields",
          `data row ${rows} has ${record.length} fields, the header has ${width}`,
        );
      }
      for (let c = 0; c < width; c++) {
        const tracker = trackers[c] as ColumnTypeTracker;
        // A column that is text stays text: its values need not even be read.
        if (!tracker.settled) tracker.add(record.get(c));
      }
      const a = record.get(layout.age);
      if (!isNaToken(a)) age.add(parseFloatToken(a as string));
      const s = record.get(layout.salary);
      if (!isNaToken(s)) salary.add(parseFloatToken(s as string));
    },
    undefined,
    signal,
  );
  if (layout === undefined) {
    throw new PermanentFileError("empty_file", "the object is empty: no header, no rows");
  }
  const kinds = trackers.map((t) => t.kind);
  for (const column of ["age", "salary"] as const) {
    const kind = kinds[layout[column]] as ColumnKind;
    if (!NUMERIC.has(kind)) {
      throw new PermanentFileError(
        "not_numeric",
        `column ${column} is not numeric (pandas reads it as ${kind}), so it has no median`,
      );
    }
  }
  return { layout, rows, kinds, ageMedian: age.median(), salaryMedian: salary.median() };
}
