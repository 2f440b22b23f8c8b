/**
 * The end of a run: the summary table for people and the same facts as JSON for machines
 * (`--summary-json`, read by the end-to-end test). Pure.
 */
import type { Accounting } from "./accounting";
import type { Latency } from "./latency";
import type { DownloadedResults } from "./results";
import { renderWorkflowSummary } from "./workflow/report";
import type { WorkflowSummary } from "./workflow/workflow";

/** Everything a run reports. */
export interface RunSummary {
  readonly ok: boolean;
  readonly stack: string;
  readonly timeScale: number;
  readonly timings: {
    readonly totalSeconds: number;
    /** Emulator start and resource creation. */
    readonly setupSeconds: number;
    /** From the first upload until every queue was drained and every producer had finished. */
    readonly workSeconds: number;
    /** From drained until no pod ran any more (the consumer's cooldown). */
    readonly scaleToZeroSeconds: number;
  };
  /** Why the run stopped early, if it did (timeout, signal, a failed producer). */
  readonly aborted?: string;
  readonly accounting: Accounting;
  /** Invalid events the producers report they sent. */
  readonly producedInvalid?: number;
  readonly scaling: {
    readonly jobsStarted: number;
    readonly jobsSucceeded: number;
    readonly jobsFailed: number;
    readonly jobRetries: number;
    readonly peakRunningJobs: number;
    readonly peakConsumers: number;
    readonly consumerRestarts: number;
    /** Whether every workload was back at zero pods at the end. */
    readonly backToZero: boolean;
    /** The consumer's minReplicaCount (above 0, it never scales to zero). */
    readonly consumerMinReplicas: number;
  };
  /** The orchestrated variant's executions and accounting, when the stack has it. */
  readonly workflow?: WorkflowSummary;
  /** What `--results` downloaded, when asked. */
  readonly results?: DownloadedResults;
  /** The HTML report of the run (local/report/), and why it could not be written if it was not. */
  readonly report?: { readonly file: string; readonly failure?: string };
  /** Upload → results seconds per file, and p50/p95 over the files. */
  readonly latency?: Latency;
  readonly logFile: string;
}

const n = (v: number) => v.toLocaleString("en-US");
const s1 = (v: number) => `${v.toFixed(1)} s`;

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, c) =>
        rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0),
      )
      .join("  ")
      .trimEnd(),
  );
}

function zeroText(sc: RunSummary["scaling"]): string {
  if (sc.backToZero) return "back to zero pods";
  if (sc.consumerMinReplicas > 0)
    return `consumers held at minReplicaCount ${sc.consumerMinReplicas}`;
  return "pods still running at the end";
}

/** A file's upload → results time as the summary prints it ("-" when it was not measured). */
export function latencyText(summary: RunSummary, key: string): string {
  const seconds = summary.latency?.seconds[key];
  return seconds === undefined ? "-" : s1(seconds);
}

/** Every reason a run failed, one line each: the accounting's, the workflow's, an early stop… */
export function runProblems(summary: RunSummary): string[] {
  return [
    ...summary.accounting.problems,
    ...(summary.workflow?.accounting.problems ?? []).map((p) => `workflow: ${p}`),
    ...(summary.aborted ? [summary.aborted] : []),
    ...(summary.results?.failure ? [`results: ${summary.results.failure}`] : []),
    ...(summary.report?.failure ? [`report: ${summary.report.failure}`] : []),
  ];
}

/** The summary table. */
export function renderSummary(summary: RunSummary): string {
  const a = summary.accounting;
  const t = summary.timings;
  const lines: string[] = [];
  lines.push(
    `Local run of stack ${summary.stack} (time scale ${summary.timeScale}): ${s1(t.totalSeconds)} ` +
      `[setup ${s1(t.setupSeconds)}, work ${s1(t.workSeconds)}, back to zero ${s1(t.scaleToZeroSeconds)}]`,
  );
  if (summary.aborted) lines.push(`Stopped early: ${summary.aborted}`);
  lines.push("");
  const took = (key: string) => latencyText(summary, key);
  const fileRows = [
    ["File", "Rows", "Expected", "Found", "Upload→results", ""],
    ...a.files.map((f) => [
      f.key,
      n(f.rows),
      f.expected,
      f.found,
      took(f.key),
      f.found === f.expected ? "ok" : "MISSING",
    ]),
  ];
  lines.push(...table(fileRows, new Set([1, 4])).map((l) => `  ${l}`));
  lines.push("");
  const e = a.events;
  const invalid =
    summary.producedInvalid === undefined ? "" : ` (${n(summary.producedInvalid)} invalid)`;
  lines.push(
    `  Events   produced ${n(e.produced)}${invalid} = stored ${n(e.stored)} + quarantined ${n(e.quarantined)}; ` +
      `${n(e.duplicates)} duplicate line(s); ${n(e.objects)} objects`,
  );
  const types = Object.entries(e.byType)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([type, count]) => `${type} ${n(count)}`)
    .join(", ");
  if (types) lines.push(`           ${types}`);
  const q = a.queues;
  lines.push(
    `  Queues   preprocess ${q.preprocess.visible} visible / ${q.preprocess.inFlight} in flight, DLQ ${a.dlqs.preprocess}; ` +
      `events ${q.events.visible} / ${q.events.inFlight}, DLQ ${a.dlqs.events}`,
  );
  const lat = summary.latency;
  if (lat && lat.files > 0) {
    lines.push(
      `  Latency  upload → results over ${lat.files} file(s): p50 ${s1(lat.p50Seconds)}, ` +
        `p95 ${s1(lat.p95Seconds)}, max ${s1(lat.maxSeconds)} (time scale ${summary.timeScale})`,
    );
  }
  const sc = summary.scaling;
  lines.push(
    `  Scaling  ${sc.jobsStarted} preprocess jobs (peak ${sc.peakRunningJobs} running, ${sc.jobsSucceeded} succeeded, ` +
      `${sc.jobsFailed} failed, ${sc.jobRetries} retries); consumers peak ${sc.peakConsumers}, ` +
      `${sc.consumerRestarts} restarts; ${zeroText(sc)}`,
  );
  if (summary.workflow) lines.push("", ...renderWorkflowSummary(summary.workflow), "");
  if (summary.results) {
    const r = summary.results;
    const failed = r.failure === undefined ? "" : `; download FAILED: ${r.failure}`;
    lines.push(`  Results  ${n(r.objects)} object(s) in ${r.dir}${failed}`);
  }
  if (summary.report) {
    const r = summary.report;
    lines.push(
      `  Report   ${r.file}${r.failure === undefined ? "" : `; writing it FAILED: ${r.failure}`}`,
    );
  }
  lines.push(`  Logs     ${summary.logFile}`);
  lines.push("");
  if (summary.ok) {
    lines.push(
      "Accounting OK: every file has its results and every event is stored or quarantined.",
    );
    if (summary.workflow) {
      lines.push(
        "Workflow OK: every upload under the prefix has its item, lake copy, event and notification.",
      );
    }
  } else {
    lines.push("Accounting FAILED:");
    for (const p of runProblems(summary)) lines.push(`  - ${p}`);
  }
  return `${lines.join("\n")}\n`;
}
