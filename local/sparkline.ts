/**
 * The live view's one-line trend of each main queue's depth (visible + in flight) over the last
 * minute, drawn with the eight block characters. Pure, except {@link RecentDepths}, which keeps
 * the last window of readings.
 */

/** The eight heights, lowest first. */
export const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/** One reading of a depth. */
export interface DepthPoint {
  readonly atMs: number;
  readonly depth: number;
}

/**
 * The largest depth in each of `cells` equal slices of the `windowMs` before `nowMs`, oldest
 * first; `undefined` for a slice without a reading (before the run started, say).
 */
export function binMax(
  points: readonly DepthPoint[],
  nowMs: number,
  windowMs: number,
  cells: number,
): (number | undefined)[] {
  const bins: (number | undefined)[] = Array.from({ length: cells }, () => undefined);
  const start = nowMs - windowMs;
  for (const p of points) {
    if (p.atMs <= start || p.atMs > nowMs) continue;
    // Slice i holds (start + i·w/cells, start + (i+1)·w/cells], like the window itself.
    const i = Math.max(0, Math.ceil(((p.atMs - start) / windowMs) * cells) - 1);
    bins[i] = Math.max(bins[i] ?? 0, p.depth);
  }
  return bins;
}

/**
 * `values` as blocks scaled to their largest: 0 is the lowest block, anything above 0 at least the
 * second (a short backlog stays visible next to a long one), a missing value a space.
 */
export function sparkline(values: readonly (number | undefined)[]): string {
  const peak = Math.max(0, ...values.map((v) => v ?? 0));
  const top = BLOCKS.length - 1;
  return values
    .map((v) => {
      if (v === undefined) return " ";
      if (v <= 0 || peak === 0) return BLOCKS[0];
      return BLOCKS[Math.max(1, Math.round((v / peak) * top))];
    })
    .join("");
}

/** The main queues a trend is drawn for. */
export type TrendQueue = "preprocess" | "events";

/** The trend line of one queue: its sparkline and the peak it is scaled to. */
export function trendLine(
  points: readonly DepthPoint[],
  nowMs: number,
  windowMs: number,
  cells: number,
): string {
  const bins = binMax(points, nowMs, windowMs, cells);
  const peak = Math.max(0, ...bins.map((v) => v ?? 0));
  return `${sparkline(bins)}  peak ${peak.toLocaleString("en-US")}`;
}

/** The readings of the last `windowMs` of each main queue. */
export class RecentDepths {
  private readonly points: Record<TrendQueue, DepthPoint[]> = { preprocess: [], events: [] };

  constructor(
    readonly windowMs = 60_000,
    readonly cells = 30,
  ) {}

  /** Takes one reading of both queues at `atMs`, forgetting what fell out of the window. */
  add(atMs: number, depths: Readonly<Record<TrendQueue, number>>): void {
    for (const q of ["preprocess", "events"] as const) {
      const list = this.points[q];
      list.push({ atMs, depth: depths[q] });
      while (list.length > 0 && (list[0] as DepthPoint).atMs <= atMs - this.windowMs) list.shift();
    }
  }

  /** How many readings it holds (both queues): bounded by the window, however long the run. */
  get size(): number {
    return this.points.preprocess.length + this.points.events.length;
  }

  /** Each queue's trend line at `nowMs`. */
  lines(nowMs: number): Record<TrendQueue, string> {
    return {
      preprocess: trendLine(this.points.preprocess, nowMs, this.windowMs, this.cells),
      events: trendLine(this.points.events, nowMs, this.windowMs, this.cells),
    };
  }
}
