/**
 * First pass: what pandas knows after `read_csv` and before any transformation — the header, the
 * dtype of every column, the number of rows, and the medians of `age` and `salary`. Bounded memory:
 * per-column counters and value counts only. Chunks are analyzed in parallel (chunk-pool.ts) and
 * merged in file order (ordered-chunks.ts).
 */
import { ChunkPool } from "./chunk-pool";
import type { ChunkAnalysis } from "./chunk-analysis";
import { ColumnTypeTracker, type ColumnKind } from "./column-types";
import { PermanentFileError } from "./errors";
import { runOrdered, type ChunkPlan } from "./ordered-chunks";
import { layoutFromHeader, type InputLayout } from "./schema";
import { MedianCounter } from "./stats";
import type { OpenInput } from "./text-source";

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
export async function analyzeInput(
  open: OpenInput,
  pool: ChunkPool = new ChunkPool(0),
  plan: ChunkPlan = { inFlight: 1 },
): Promise<Analysis> {
  return (await analyzeChunks(open, pool, plan)).analysis;
}

/**
 * Pass 1: the {@link Analysis}, and the lengths of the chunks it cut the input into (for pass 2).
 * The input is cut at line ends first (no scan on the merging thread); a chunk whose text ends
 * inside a quoted field either was cut inside one (a field holding a line end) or truly ends
 * there, and the pass is run again over input cut at record ends, which tells the two apart and
 * gives the same records, so the same analysis or failure. A third read of the input, only for
 * files with line ends in quoted fields (or a quote left open).
 */
export async function analyzeChunks(
  open: OpenInput,
  pool: ChunkPool,
  plan: ChunkPlan,
): Promise<{ analysis: Analysis; lengths: readonly number[] }> {
  if (plan.cut !== undefined) return await analyzeCut(open, pool, plan);
  try {
    return await analyzeCut(open, pool, { ...plan, cut: "line" });
  } catch (err) {
    if (!(err instanceof PermanentFileError) || err.code !== "unterminated_quote") throw err;
    return await analyzeCut(open, pool, { ...plan, cut: "record" });
  }
}

/** Pass 1 over the input cut as `plan.cut` says. */
async function analyzeCut(
  open: OpenInput,
  pool: ChunkPool,
  plan: ChunkPlan,
): Promise<{ analysis: Analysis; lengths: readonly number[] }> {
  let layout: InputLayout | undefined;
  let trackers: ColumnTypeTracker[] = [];
  let settled = new Uint8Array(0);
  const age = new MedianCounter();
  const salary = new MedianCounter();
  let rows = 0;
  const { headerSeen, lengths } = await runOrdered<ChunkAnalysis>(
    open,
    {
      header(values) {
        layout = layoutFromHeader(values);
        trackers = layout.header.map(() => new ColumnTypeTracker());
        settled = new Uint8Array(trackers.length);
      },
      submit(bytes) {
        const { age: a, salary: s } = layout as InputLayout;
        // A copy: columns settled later must not change what an in-flight chunk was told.
        const params = { width: trackers.length, age: a, salary: s, settled: settled.slice() };
        return pool.analyze(bytes, params);
      },
      merge(chunk) {
        rows += chunk.rows;
        chunk.trackers.forEach((state, c) => {
          const tracker = trackers[c] as ColumnTypeTracker;
          tracker.merge(state);
          if (tracker.settled) settled[c] = 1;
        });
        for (const [counter, entries] of [
          [age, chunk.age],
          [salary, chunk.salary],
        ] as const) {
          for (let i = 0; i < entries.values.length; i++) {
            counter.addCount(entries.values[i] as number, entries.counts[i] as number);
          }
        }
        return chunk.rows;
      },
    },
    plan,
  );
  if (!headerSeen || layout === undefined) {
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
  const analysis = { layout, rows, kinds, ageMedian: age.median(), salaryMedian: salary.median() };
  return { analysis, lengths };
}
