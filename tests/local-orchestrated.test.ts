/**
 * Local mode end to end for the orchestrated stack: both paths with small numbers — `input/`
 * through the KEDA path, `batch/` through the program's own state machine in
 * aws-local-stepfunctions with real `preprocess-object` jobs, the emulator's S3 and SNS, and
 * dynalite — and every accounting line of the workflow; then Ctrl-C (SIGTERM) mid-workflow.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RunSummary } from "../local/summary";
import { resultKeysFor } from "../processor/src/contract";
import { alive, childPids, commandLine, exitOf, localRunSuite } from "./support/local-run";

const { work, runs } = localRunSuite("local-orchestrated-");

it("runs both paths of the orchestrated stack and exits 0 with every workflow accounting line holding", async () => {
  const summaryFile = path.join(work, "summary.json");
  const run = runs.start([
    ...["--stack", "orchestrated", "--files", "2", "--max-rows", "300"],
    ...["--events", "100", "--rate", "400", "--time-scale", "0.05", "--plain"],
    ...["--summary-json", summaryFile, "--log-dir", path.join(work, "logs")],
    ...["--results", path.join(work, "results")],
  ]);
  const exit = await exitOf(run.proc);
  if (exit.code !== 0) {
    throw new Error(`local mode exited ${exit.code ?? exit.signal}:\n${run.output()}`);
  }
  const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RunSummary;
  expect(summary.ok).toBe(true);
  // The KEDA path still does its part.
  expect(summary.accounting.problems).toEqual([]);
  expect(summary.accounting.files.map((f) => [f.key, f.found])).toEqual([
    ["input/employees-01.csv", "outputs"],
    // The last generated file is gzip-compressed: both paths take .csv.gz.
    ["input/new hires 02.csv.gz", "outputs"],
    ["input/wrong-header.csv", "error-report"],
  ]);
  const w = summary.workflow;
  if (!w) throw new Error("the summary has no workflow");
  expect(w.accounting.problems).toEqual([]);
  // One row per upload under batch/: execution, item, lake copy, results, event, notification.
  expect(
    w.accounting.files.map((f) => [
      f.key,
      f.execution,
      f.item,
      f.lakeCopy,
      f.results,
      f.announced,
      f.notifications,
    ]),
  ).toEqual([
    [
      "batch/employees-01.csv",
      "SUCCEEDED",
      "SUCCEEDED",
      true,
      "outputs",
      ["InputDataProcessed"],
      1,
    ],
    [
      "batch/new hires 02.csv.gz",
      "SUCCEEDED",
      "SUCCEEDED",
      true,
      "outputs",
      ["InputDataProcessed"],
      1,
    ],
    [
      "batch/wrong-header.csv",
      "FAILED",
      "FAILED",
      true,
      "error-report",
      ["InputDataProcessingFailed"],
      1,
    ],
  ]);
  // Items carry the metrics of what was uploaded.
  const rows = summary.accounting.files.map((f) => f.rows);
  expect(w.accounting.files.slice(0, 2).map((f) => f.totalRows)).toEqual(rows.slice(0, 2));
  // The upload rule's pattern chose: every upload raised an event, only batch/ ones started one.
  expect(w.objectEvents).toBe(6);
  expect(w.executions).toMatchObject({ started: 3, succeeded: 2, failed: 1, other: 0 });
  expect(w.jobs).toEqual({ started: 3, succeeded: 3, failed: 0 });
  expect(w.busEvents).toBe(3);
  expect(w.notifications).toBe(3);
  // --results holds the workflow's results too, by key.
  const batchOutputs = resultKeysFor("batch/employees-01.csv", "batch/").resultsPrefix;
  expect(readdirSync(path.join(work, "results", batchOutputs)).sort()).toEqual([
    "cleaned_data.csv",
    "department_statistics.csv",
    "quality_metrics.json",
    "transformed_data.csv",
  ]);
  expect(run.output()).toContain("Workflow OK");
  expect(run.output()).toMatch(/workflow {2}executions \d+ running \(.*RunProcessingJob/);
}, 120_000);

it("stops the executions and their jobs on SIGTERM and exits 143", async () => {
  const run = runs.start([
    ...["--stack", "orchestrated", "--files", "2", "--min-rows", "20000", "--max-rows", "20000"],
    ...["--events", "100", "--time-scale", "0.05", "--plain"],
    ...["--log-dir", path.join(work, "logs-sigterm")],
  ]);
  const pid = run.proc.pid ?? 0;
  // Wait until a workflow job (preprocess-object) runs.
  let jobs: number[] = [];
  for (let i = 0; i < 600 && jobs.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    jobs = childPids(pid).filter((p) => commandLine(p).includes("preprocess-object"));
  }
  expect(jobs.length).toBeGreaterThan(0);
  const children = childPids(pid);
  process.kill(pid, "SIGTERM");
  const exit = await exitOf(run.proc);
  expect(exit.code).toBe(143);
  expect(run.output()).toContain("SIGTERM, stopping every child");
  expect(run.output()).toMatch(/execution \w+ for batch\/\S+: ABORTED/);
  expect(children.filter(alive)).toEqual([]);
}, 120_000);
