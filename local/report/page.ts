/**
 * The run's report (`--report FILE`, by default `report.html` in the run's log folder): one
 * self-contained HTML page — inline CSS and SVG, no script, nothing fetched — with the run's
 * charts over time, its summary table and its accounting, and the samples as JSON for machines.
 * Pure.
 */
import type { RunSample } from "../samples";
import { latencyText, renderSummary, runProblems, type RunSummary } from "../summary";
import { renderWorkflowSummary } from "../workflow/report";
import { runCharts } from "./charts";
import { escapeXml, lineChartSvg } from "./svg";

/** The id of the `<script type="application/json">` element that holds the samples. */
export const SAMPLES_ELEMENT_ID = "run-samples";

const n = (v: number) => v.toLocaleString("en-US");
const s1 = (v: number) => `${v.toFixed(1)} s`;

/** An HTML table; every cell is escaped, the columns in `numeric` right-aligned. */
export function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number> = new Set(),
): string {
  const cell = (tag: "th" | "td", text: string, c: number) =>
    `<${tag}${numeric.has(c) ? ' class="num"' : ""}>${escapeXml(text)}</${tag}>`;
  const head = `<tr>${headers.map((h, c) => cell("th", h, c)).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((v, c) => cell("td", v, c)).join("")}</tr>`);
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

/**
 * JSON that can sit inside a `<script>` element: `<` is escaped, so no `</script>` in the data
 * ends the element early.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function filesTable(summary: RunSummary): string {
  return htmlTable(
    ["File", "Rows", "Expected", "Found", "total_rows", "Upload → results", ""],
    summary.accounting.files.map((f) => [
      f.key,
      n(f.rows),
      f.expected,
      f.found,
      f.totalRows === undefined ? "-" : n(f.totalRows),
      latencyText(summary, f.key),
      f.found === f.expected ? "ok" : "MISSING",
    ]),
    new Set([1, 4, 5]),
  );
}

function accountingTable(summary: RunSummary): string {
  const a = summary.accounting;
  const e = a.events;
  const types = Object.entries(e.byType)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([type, count]) => `${type} ${n(count)}`)
    .join(", ");
  const q = a.queues;
  const rows: string[][] = [
    ["Events produced", n(e.produced)],
    ...(summary.producedInvalid === undefined
      ? []
      : [["of which invalid", n(summary.producedInvalid)]]),
    ["Events stored", n(e.stored)],
    ["Events quarantined", n(e.quarantined)],
    ["Duplicate lines", n(e.duplicates)],
    ["Event objects", n(e.objects)],
    ["Stored by type", types || "-"],
    [
      "Preprocess queue at the end",
      `${n(q.preprocess.visible)} visible, ${n(q.preprocess.inFlight)} in flight`,
    ],
    ["Preprocess DLQ", n(a.dlqs.preprocess)],
    [
      "Events queue at the end",
      `${n(q.events.visible)} visible, ${n(q.events.inFlight)} in flight`,
    ],
    ["Events DLQ", n(a.dlqs.events)],
  ];
  return htmlTable(["Accounting", ""], rows, new Set([1]));
}

function scalingTable(summary: RunSummary): string {
  const sc = summary.scaling;
  const lat = summary.latency;
  const rows: string[][] = [
    ["Preprocess jobs started", n(sc.jobsStarted)],
    [
      "succeeded / failed / retries",
      `${n(sc.jobsSucceeded)} / ${n(sc.jobsFailed)} / ${n(sc.jobRetries)}`,
    ],
    ["Peak running jobs", n(sc.peakRunningJobs)],
    ["Peak consumers", n(sc.peakConsumers)],
    ["Consumer restarts", n(sc.consumerRestarts)],
    ["Back to zero pods", sc.backToZero ? "yes" : "no"],
    ...(lat && lat.files > 0
      ? [
          [
            "Upload → results p50 / p95 / max",
            `${s1(lat.p50Seconds)} / ${s1(lat.p95Seconds)} / ${s1(lat.maxSeconds)}`,
          ],
        ]
      : []),
  ];
  return htmlTable(["Scaling", ""], rows, new Set([1]));
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 28px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 600; }
.verdict.ok { background: #2e7d32; } .verdict.failed { background: #c62828; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid #ddd; border-radius: 6px; padding: 4px; }
svg.chart { width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .chart-title { font-size: 14px; font-weight: 600; }
svg .grid { stroke: #eee; } svg .axis { stroke: #888; } svg .no-data { fill: #888; font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 10px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.tables { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; }
`;

/** The report of a finished run: its summary and the samples taken while it ran. */
export function renderReport(summary: RunSummary, samples: readonly RunSample[]): string {
  const t = summary.timings;
  const title = `Local run of stack ${summary.stack}`;
  const issues = runProblems(summary);
  const verdict = summary.ok
    ? `<span class="verdict ok">Accounting OK</span>`
    : `<span class="verdict failed">Accounting FAILED</span>`;
  const span = samples.length > 0 ? (samples[samples.length - 1] as RunSample).t : 0;
  const charts = runCharts(samples).map((c) => `<figure>\n${lineChartSvg(c)}\n</figure>`);
  const workflow = summary.workflow
    ? `<h2>Orchestrated variant</h2>\n<pre>${escapeXml(renderWorkflowSummary(summary.workflow).join("\n"))}</pre>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${verdict} time scale ${escapeXml(String(summary.timeScale))}; ${escapeXml(s1(t.totalSeconds))} in all (setup ${escapeXml(s1(t.setupSeconds))}, work ${escapeXml(s1(t.workSeconds))}, back to zero ${escapeXml(s1(t.scaleToZeroSeconds))})</p>
${issues.length > 0 ? `<ul class="problems">\n${issues.map((p) => `<li>${escapeXml(p)}</li>`).join("\n")}\n</ul>` : ""}
<h2>Over time</h2>
<p class="sampling">${n(samples.length)} samples of the live view over ${escapeXml(s1(span))}.</p>
<div class="charts">
${charts.join("\n")}
</div>
<h2>Files</h2>
${filesTable(summary)}
<div class="tables">
${accountingTable(summary)}
${scalingTable(summary)}
</div>
${workflow}
<details>
<summary>The summary as printed</summary>
<pre class="summary">${escapeXml(renderSummary(summary))}</pre>
</details>
<p>Processes log: ${escapeXml(summary.logFile)}</p>
<script type="application/json" id="${SAMPLES_ELEMENT_ID}">${scriptJson(samples)}</script>
</body>
</html>
`;
}
