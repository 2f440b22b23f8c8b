/**
 * What the run shows of the workflow: one live line (executions in flight and the states they are
 * in, as the KEDA path shows jobs) and the summary's section (one row per upload, the totals and
 * the problems). Pure.
 */
import type { WorkflowRun, WorkflowSummary } from "./workflow";

/** The live view's line. */
export function workflowLiveLine(status: ReturnType<WorkflowRun["status"]>): string {
  const states = Object.entries(status.states)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${state} ${n}`)
    .join(", ");
  return (
    `  workflow  executions ${status.running} running${states ? ` (${states})` : ""}, ` +
    `${status.succeeded} succeeded, ${status.failed} failed`
  );
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** The summary's workflow section. */
export function renderWorkflowSummary(s: WorkflowSummary): string[] {
  const rows = [
    ["Workflow upload", "Expected", "Execution", "Item", "Rows", "Lake", "Results", "Event", "SNS"],
    ...s.accounting.files.map((f) => [
      f.key,
      f.expected,
      f.execution,
      f.item,
      f.totalRows === undefined ? "-" : String(f.totalRows),
      f.lakeCopy ? "copied" : "MISSING",
      f.results,
      f.announced.join("+") || "none",
      String(f.notifications),
    ]),
  ];
  const e = s.executions;
  return [
    ...table(rows).map((l) => `  ${l}`),
    "",
    `  Workflow ${e.started} executions (peak ${e.peakRunning} running, ${e.succeeded} succeeded, ` +
      `${e.failed} failed, ${e.other} aborted or timed out, ${e.retries} retries); ` +
      `${s.jobs.started} jobs (${s.jobs.succeeded} succeeded, ${s.jobs.failed} failed or stopped)`,
    `           ${s.objectEvents} Object Created events, ${e.started} matched the upload rule; ` +
      `${s.busEvents} events on the bus, ${s.notifications} SNS notifications`,
  ];
}
