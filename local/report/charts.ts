/**
 * Which charts the report draws from a run's samples, and the series of each: both queues with
 * their DLQs, the workloads' pods, the events stored per second and the files done. Pure.
 */
import type { RunSample } from "../samples";
import type { LineChart, Series } from "./svg";

/** The window over which the stored-events rate is measured (batches land in steps). */
export const RATE_WINDOW_SECONDS = 2;

/**
 * Events stored per second at each sample: the growth of the stored count over the last
 * `windowSeconds` (less at the start of the run), 0 for the first sample.
 */
export function storedPerSecond(
  samples: readonly RunSample[],
  windowSeconds = RATE_WINDOW_SECONDS,
): [number, number][] {
  let from = 0;
  return samples.map((s, i) => {
    // The window starts at the last earlier sample at least `windowSeconds` old (or the first).
    while (from + 1 < i && (samples[from + 1] as RunSample).t <= s.t - windowSeconds) from++;
    const start = samples[from] as RunSample;
    const dt = s.t - start.t;
    return [s.t, dt > 0 ? (s.stored - start.stored) / dt : 0];
  });
}

const series = (
  name: string,
  samples: readonly RunSample[],
  value: (s: RunSample) => number,
): Series => ({ name, points: samples.map((s) => [s.t, value(s)] as const) });

const X_LABEL = "seconds since the run started";

/** A chart over the run's time. */
const chart = (title: string, yLabel: string, series: Series[]): LineChart => ({
  title,
  xLabel: X_LABEL,
  yLabel,
  series,
});

/** A queue's chart: its visible and in-flight messages and its DLQ's depth. */
function queueChart(
  title: string,
  queue: "preprocess" | "events",
  samples: readonly RunSample[],
): LineChart {
  return chart(title, "messages", [
    series("visible", samples, (s) => s[`${queue}Visible`]),
    series("in flight", samples, (s) => s[`${queue}InFlight`]),
    series("DLQ", samples, (s) => s[`${queue}Dlq`]),
  ]);
}

/** The report's charts over `samples`. */
export function runCharts(samples: readonly RunSample[]): LineChart[] {
  return [
    queueChart("Preprocess queue", "preprocess", samples),
    queueChart("Events queue", "events", samples),
    chart("Pods", "pods", [
      series("consumer replicas", samples, (s) => s.consumers),
      series("running jobs", samples, (s) => s.jobs),
    ]),
    chart("Events stored per second", `events/s (over ${RATE_WINDOW_SECONDS} s)`, [
      { name: "stored", points: storedPerSecond(samples) },
    ]),
    chart("Files", "files", [
      series("uploaded", samples, (s) => s.filesUploaded),
      series("done (outputs or error report)", samples, (s) => s.filesDone),
    ]),
  ];
}
