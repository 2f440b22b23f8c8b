/**
 * Local mode end to end: the real entry point with the real processor commands as child processes,
 * small numbers and a short time scale. Each run is its own process group, killed as a whole if a
 * test fails, so no child outlives the suite.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { random, seedCsv } from "../local/seed";
import type { RunSummary } from "../local/summary";
import { resultKeysFor } from "../processor/src/contract";
import { DEFAULT_REPORT_NAME } from "../local/report/write";
import type { RunSample } from "../local/samples";
import { itInChromium, openInChromium } from "./support/chromium";
import { alive, childPids, exitOf, localRunSuite, ROOT } from "./support/local-run";
import { probeReport } from "./support/report-probe";

const { work, runs } = localRunSuite("local-mode-");
const start = (args: readonly string[]) => runs.start(args);

/** The first run: started by the first test that needs it, shared with the tests after it. */
let firstRun: Promise<{ summary: RunSummary; output: string; logs: string }> | undefined;
function theFirstRun() {
  firstRun ??= (async () => {
    const summaryFile = path.join(work, "summary.json");
    const logs = path.join(work, "logs");
    const run = start([
      "--files",
      "2",
      "--max-rows",
      "300",
      "--events",
      "200",
      "--rate",
      "400",
      "--time-scale",
      "0.05",
      "--plain",
      "--summary-json",
      summaryFile,
      "--log-dir",
      logs,
    ]);
    const exit = await exitOf(run.proc);
    if (exit.code !== 0)
      throw new Error(`local mode exited ${exit.code ?? exit.signal}:\n${run.output()}`);
    const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RunSummary;
    return { summary, output: run.output(), logs };
  })();
  return firstRun;
}

it("processes every file and event and exits 0 with the accounting holding", async () => {
  const { summary, output } = await theFirstRun();
  expect(summary.ok).toBe(true);
  expect(summary.aborted).toBeUndefined();
  const a = summary.accounting;
  expect(a.problems).toEqual([]);
  expect(a.files.map((f) => [f.key, f.found])).toEqual([
    ["input/employees-01.csv", "outputs"],
    // The last generated file is uploaded gzip-compressed: the .csv.gz path end to end.
    ["input/new hires 02.csv.gz", "outputs"],
    ["input/wrong-header.csv", "error-report"],
  ]);
  expect(a.files.filter((f) => f.found === "outputs").map((f) => f.totalRows)).toEqual(
    a.files.filter((f) => f.found === "outputs").map((f) => f.rows),
  );
  expect(a.events.produced).toBe(200);
  expect(a.events.stored + a.events.quarantined).toBe(200);
  expect(a.events.quarantined).toBe(summary.producedInvalid);
  expect(a.queues).toEqual({
    preprocess: { visible: 0, inFlight: 0 },
    events: { visible: 0, inFlight: 0 },
  });
  expect(a.dlqs).toEqual({ preprocess: 0, events: 0 });
  // KEDA's rules did the work: jobs from queue depth, consumers from zero and back to zero.
  // One job per upload: the ScaledJob counts a job pending until it holds its message.
  expect(summary.scaling.jobsStarted).toBe(3);
  // Every file's upload → results time is measured, and p50 <= p95 <= max.
  const latency = summary.latency;
  expect(Object.keys(latency?.seconds ?? {}).sort()).toEqual(a.files.map((f) => f.key).sort());
  expect(latency?.p50Seconds).toBeGreaterThan(0);
  expect(latency?.p50Seconds).toBeLessThanOrEqual(latency?.p95Seconds ?? 0);
  expect(latency?.p95Seconds).toBeLessThanOrEqual(latency?.maxSeconds ?? 0);
  expect(output).toMatch(/Latency {2}upload → results over 3 file\(s\): p50 /);
  expect(summary.scaling.jobsFailed).toBe(0);
  expect(summary.scaling.peakConsumers).toBeGreaterThanOrEqual(1);
  expect(summary.scaling.backToZero).toBe(true);
  expect(output).toContain("Accounting OK");
  expect(output).toMatch(/consumer ScaledObject: 0 -> 1 replicas \(activated/);
  expect(output).toMatch(/consumer ScaledObject: 1 -> 0 replicas \(cooldown-elapsed/);
}, 90_000);

itInChromium(
  "writes report.html to the log folder, which draws the run's series in a real browser",
  async () => {
    const { summary, logs } = await theFirstRun();
    const file = path.join(logs, DEFAULT_REPORT_NAME);
    expect(summary.report).toEqual({ file: path.relative(ROOT, file) });
    const opened = await openInChromium(file);
    try {
      const report = await probeReport(opened.page);
      const samples = report.samples;
      // One sample per live-view tick (500 ms with --plain) over the run, which lasts seconds.
      expect(samples.length).toBeGreaterThan(summary.timings.workSeconds);
      const last = samples[samples.length - 1] as RunSample;
      expect(last.t).toBeLessThanOrEqual(summary.timings.totalSeconds);
      // The series are this run's: its files and events all arrive before the watch stops.
      expect(last.filesDone).toBe(summary.accounting.files.length);
      expect(last.stored).toBe(summary.accounting.events.stored);
      expect(last.quarantined).toBe(summary.accounting.events.quarantined);
      expect(Math.max(...samples.map((s) => s.consumers))).toBeGreaterThanOrEqual(1);

      expect(report.charts.map((c) => [c.title, c.legend])).toEqual([
        ["Preprocess queue", ["visible", "in flight", "DLQ"]],
        ["Events queue", ["visible", "in flight", "DLQ"]],
        ["Pods", ["consumer replicas", "running jobs"]],
        ["Events stored per second", ["stored"]],
        ["Files", ["uploaded", "done (outputs or error report)"]],
      ]);
      for (const chart of report.charts) {
        expect(chart.xLabel).toBe("seconds since the run started");
        expect(chart.yLabel).not.toBe("");
        expect(chart.box.width).toBeGreaterThan(400);
        for (const line of chart.lines) {
          // The browser parsed one point per sample and drew a line across the run's time.
          expect([chart.title, line.name, line.points]).toEqual([
            chart.title,
            line.name,
            samples.length,
          ]);
          expect(line.drawnWidth).toBeGreaterThan(chart.box.width / 2);
        }
      }
      // Where the files line ends is where its axis says the file count is.
      const files = report.charts.find((c) => c.title === "Files");
      const done = files?.lines.find((l) => l.name.startsWith("done"));
      const tick = files?.yTicks.find((t) => t.label === String(summary.accounting.files.length));
      expect(tick).toBeDefined();
      expect(Math.abs((done?.lastY ?? 0) - (tick?.y ?? -100))).toBeLessThan(1);

      expect(report.tableText).toContain(summary.accounting.files[0]?.key);
      expect(report.verdict).toBe("Accounting OK");
      const screenshot = process.env.REPORT_SCREENSHOT ?? path.join(work, "report.png");
      const png = await opened.page.screenshot({ path: screenshot, fullPage: true });
      expect(png.subarray(1, 4).toString()).toBe("PNG");

      expect(opened.consoleErrors).toEqual([]);
      expect(opened.pageErrors).toEqual([]);
      expect(opened.requests).toEqual([]);
    } finally {
      await opened.close();
    }
  },
  120_000,
);

it("uploads the user's files with --input and downloads every result by key with --results", async () => {
  const data = path.join(work, "data");
  mkdirSync(data);
  writeFileSync(path.join(data, "staff.csv"), seedCsv(150, random(7)));
  writeFileSync(path.join(data, "archive.csv.gz"), gzipSync(seedCsv(40, random(8))));
  writeFileSync(path.join(data, "bad header.csv"), "employee,years\n1,36\n");
  writeFileSync(path.join(data, "readme.txt"), "not uploaded");
  const results = path.join(work, "results");
  const summaryFile = path.join(work, "summary-input.json");
  const run = start([
    ...["--input", data, "--results", results, "--events", "60", "--rate", "0"],
    ...["--time-scale", "0.05", "--plain", "--summary-json", summaryFile],
    ...["--log-dir", path.join(work, "logs-input")],
  ]);
  const exit = await exitOf(run.proc);
  if (exit.code !== 0)
    throw new Error(`local mode exited ${exit.code ?? exit.signal}:\n${run.output()}`);

  const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RunSummary;
  const a = summary.accounting;
  expect(a.problems).toEqual([]);
  // The user's files, not generated ones, with what the processor makes of each.
  expect(a.files.map((f) => [f.key, f.rows, f.expected, f.found])).toEqual([
    ["input/archive.csv.gz", 40, "outputs", "outputs"],
    ["input/bad header.csv", 1, "error-report", "error-report"],
    ["input/staff.csv", 150, "outputs", "outputs"],
  ]);
  expect(a.files.map((f) => f.totalRows)).toEqual([40, undefined, 150]);
  // Every result object is in the folder, under its key.
  const outputsOf = (key: string) =>
    readdirSync(path.join(results, resultKeysFor(key).resultsPrefix)).sort();
  expect(outputsOf("input/archive.csv.gz")).toEqual(outputsOf("input/staff.csv"));
  const outputs = outputsOf("input/staff.csv");
  expect(outputs).toEqual([
    "cleaned_data.csv",
    "department_statistics.csv",
    "quality_metrics.json",
    "transformed_data.csv",
  ]);
  const report = JSON.parse(
    readFileSync(path.join(results, resultKeysFor("input/bad header.csv").errorReportKey), "utf8"),
  ) as { key: string; error: string };
  expect(report).toMatchObject({ key: "input/bad header.csv", error: "wrong_header" });
  const eventObjects = ["events", "quarantine"].flatMap((prefix) => {
    try {
      return readdirSync(path.join(results, prefix), { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
  });
  expect(eventObjects.filter((e) => e.isFile())).toHaveLength(a.events.objects);
  expect(summary.results).toEqual({ dir: results, objects: 2 * 4 + 1 + a.events.objects });
  expect(run.output()).toContain(
    `Results  ${2 * 4 + 1 + a.events.objects} object(s) in ${results}`,
  );
}, 90_000);

it("stops every child on SIGTERM and exits 143", async () => {
  const run = start([
    "--files",
    "1",
    "--max-rows",
    "200",
    "--events",
    "5000",
    "--rate",
    "200",
    "--time-scale",
    "0.05",
    "--plain",
    "--log-dir",
    path.join(work, "logs-sigterm"),
  ]);
  const pid = run.proc.pid ?? 0;
  // Wait until the producer and at least one more pod run.
  let children: number[] = [];
  for (let i = 0; i < 200 && children.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    children = childPids(pid);
  }
  expect(children.length).toBeGreaterThanOrEqual(2);
  process.kill(pid, "SIGTERM");
  const exit = await exitOf(run.proc);
  expect(exit.code).toBe(143);
  expect(run.output()).toContain("SIGTERM, stopping every child");
  expect(children.filter(alive)).toEqual([]);
}, 90_000);

it("exits 1 and says why when the work does not finish in time", async () => {
  const run = start([
    "--files",
    "1",
    "--max-rows",
    "200",
    "--events",
    "100",
    "--timeout",
    "1",
    "--time-scale",
    "0.05",
    "--plain",
    "--log-dir",
    path.join(work, "logs-timeout"),
  ]);
  const exit = await exitOf(run.proc);
  expect(exit.code).toBe(1);
  expect(run.output()).toContain("Stopped early: timed out after 1 s");
  expect(run.output()).toContain("Accounting FAILED:");
}, 60_000);
