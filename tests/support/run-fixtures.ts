/**
 * A live-view snapshot and a run summary to build tests on: plausible values of a small run, each
 * test overriding what it is about.
 */
import type { RunSummary } from "../../local/summary";
import type { Snapshot } from "../../local/view";

/** A snapshot mid-run (12.3 s in: both queues busy, jobs and consumers running). */
export function snapshotFixture(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    elapsedMs: 12345,
    phase: "working",
    preprocessQueue: { visible: 3, inFlight: 2 },
    preprocessDlq: 0,
    eventsQueue: { visible: 400, inFlight: 800 },
    eventsDlq: 0,
    jobs: { running: 2, max: 10, succeeded: 3, failed: 0, strategy: "accurate" },
    consumers: { replicas: 2, max: 5, terminating: 0 },
    files: { uploaded: 6, total: 6, outputs: 3, errors: 1 },
    events: { target: 2000, produced: undefined, stored: 1650, quarantined: 31 },
    ...overrides,
  };
}

/** The summary of a good run of two files (one meant to fail), 100 events. */
export function summaryFixture(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    ok: true,
    stack: "dev",
    timeScale: 0.05,
    timings: { totalSeconds: 20, setupSeconds: 0.5, workSeconds: 4, scaleToZeroSeconds: 15 },
    accounting: {
      ok: true,
      problems: [],
      files: [
        { key: "input/a.csv", rows: 10, expected: "outputs", found: "outputs", totalRows: 10 },
        { key: 'input/<b> & "c".csv', rows: 2, expected: "error-report", found: "error-report" },
      ],
      events: {
        produced: 100,
        stored: 98,
        quarantined: 2,
        duplicates: 0,
        byType: { sale_event: 60, inventory_event: 38 },
        objects: 2,
      },
      queues: { preprocess: { visible: 0, inFlight: 0 }, events: { visible: 0, inFlight: 0 } },
      dlqs: { preprocess: 0, events: 0 },
    },
    producedInvalid: 2,
    scaling: {
      jobsStarted: 2,
      jobsSucceeded: 2,
      jobsFailed: 0,
      jobRetries: 0,
      peakRunningJobs: 2,
      peakConsumers: 1,
      consumerRestarts: 0,
      backToZero: true,
      consumerMinReplicas: 0,
    },
    latency: {
      seconds: { "input/a.csv": 1.25 },
      files: 1,
      p50Seconds: 1.25,
      p95Seconds: 1.25,
      maxSeconds: 1.25,
    },
    logFile: ".local-run/x/processes.log",
    ...overrides,
  };
}
