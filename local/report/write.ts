/**
 * Where the run's report goes and its writing: `--report FILE`, or `report.html` in the run's log
 * folder; a failed write is reported in the summary rather than ending the run without one.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RunSample } from "../samples";
import type { RunSummary } from "../summary";
import { renderReport } from "./page";

/** The report's name in the log folder when `--report` is not given. */
export const DEFAULT_REPORT_NAME = "report.html";

/** The report's path: the one asked for, or {@link DEFAULT_REPORT_NAME} in `logDir`. */
export function reportFileFor(report: string | undefined, logDir: string): string {
  return report ?? path.join(logDir, DEFAULT_REPORT_NAME);
}

/**
 * Writes the report of `summary` and `samples` to `file` (`shown` is how the summary names it)
 * and returns the summary that says so, or, when the write fails, why (the run then fails: the
 * output asked for is missing).
 */
export function writeReport(
  file: string,
  shown: string,
  summary: RunSummary,
  samples: readonly RunSample[],
): RunSummary {
  const withReport: RunSummary = { ...summary, report: { file: shown } };
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, renderReport(withReport, samples));
    return withReport;
  } catch (err) {
    const failure = err instanceof Error ? err.message : String(err);
    return { ...summary, ok: false, report: { file: shown, failure } };
  }
}
