/**
 * The end of a run: waiting until every queue is drained and the workloads are back to zero pods
 * (or the time limit or a signal stops the run), then the accounting of what the buckets and
 * queues hold against what the run uploaded and produced, and the run's summary.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Accounting, ExpectedFile } from "./accounting";
import type { Latency } from "./latency";
import { collectAccounting } from "./collect-accounting";
import { producedTotals, type Producers, type Uploads } from "./drivers";
import { queueDepth, type LocalResources } from "./emulator";
import { pause } from "./loop";
import type { DownloadedResults } from "./results";
import type { SeedFile } from "./seed";
import type { ScalingRules } from "./specs";
import type { RunSummary } from "./summary";
import type { PodSupervisor } from "./pod-supervisor";

/** How the wait ended. */
export interface Ending {
  /** From the start of the wait until drained. */
  readonly workSeconds: number;
  /** From drained until no pod ran any more. */
  readonly scaleToZeroSeconds: number;
  readonly backToZero: boolean;
  /** Why the run stopped early: the signal's or time limit's reason, a failed driver. */
  readonly aborted: string | undefined;
}

/** What the wait watches. */
export interface Work {
  readonly sqs: SQSClient;
  readonly resources: LocalResources;
  readonly rules: ScalingRules;
  readonly pods: PodSupervisor;
  readonly uploads: Uploads;
  readonly producers: Producers;
  /** The orchestrated variant's executions, when the stack has them: drained once idle. */
  readonly workflow?: { readonly idle: boolean };
}

/**
 * Whether all work is done and stored: the drivers have finished, no job runs, and a fresh
 * reading of both main queues (the scaler's samples may predate the last upload or send) is empty.
 */
export async function drained(work: Work): Promise<boolean> {
  const { uploads, producers, pods, sqs, resources } = work;
  if (!(uploads.finished && producers.finished && pods.jobCounts().running === 0)) return false;
  if (work.workflow && !work.workflow.idle) return false;
  try {
    const [p, e] = await Promise.all([
      queueDepth(sqs, resources.preprocessQueueUrl),
      queueDepth(sqs, resources.eventsQueueUrl),
    ]);
    return p.visible + p.inFlight === 0 && e.visible + e.inFlight === 0;
  } catch {
    return false;
  }
}

/**
 * Waits until drained, then until the scaler has taken the consumers back to zero (when their
 * minimum is 0), for at most `limitSeconds` or until `signal` aborts.
 */
export async function waitForEnd(
  work: Work,
  limitSeconds: number,
  signal: AbortSignal,
  onDrained: (workSeconds: number) => void,
): Promise<Ending> {
  const deadline = new AbortController();
  const timeout = setTimeout(
    () => deadline.abort(`timed out after ${limitSeconds} s`),
    limitSeconds * 1000,
  );
  const stop = AbortSignal.any([signal, deadline.signal]);
  const workStart = Date.now();
  while (!stop.aborted && !(await drained(work))) await pause(200, stop);
  const workSeconds = (Date.now() - workStart) / 1000;
  const zeroStart = Date.now();
  if (!stop.aborted) {
    onDrained(workSeconds);
    while (!stop.aborted && !work.pods.idle && work.rules.consumer.minReplicas === 0) {
      await pause(100, stop);
    }
  }
  const scaleToZeroSeconds = (Date.now() - zeroStart) / 1000;
  const backToZero = work.pods.idle;
  clearTimeout(timeout);
  const aborted = stop.aborted
    ? String(stop.reason)
    : (work.producers.failure ?? work.uploads.failure);
  return { workSeconds, scaleToZeroSeconds, backToZero, aborted };
}

/** What the run expects of each uploaded file. */
export function expectedFiles(files: readonly SeedFile[]): ExpectedFile[] {
  return files.map((f) => ({ key: f.key, rows: f.rows, expectError: f.expectError }));
}

/** The accounting of a finished run: what the buckets and queues hold against what it did. */
export async function accountRun(
  clients: Parameters<typeof collectAccounting>[0],
  resources: LocalResources,
  files: readonly SeedFile[],
  producers: Producers,
): Promise<Accounting> {
  const totals = producedTotals(producers.reports);
  return collectAccounting(clients, resources, {
    files: expectedFiles(files),
    produced: totals.sent,
    // Only when every producer reported is the invalid count known.
    producedInvalid: producers.reports.length === producers.count ? totals.bad : undefined,
    expectedDlqs: { preprocess: 0, events: 0 },
  });
}

/** The run's summary from its ending, accounting and pod statistics. */
export function summarize(run: {
  readonly stack: string;
  readonly timeScale: number;
  readonly totalSeconds: number;
  readonly setupSeconds: number;
  readonly ending: Ending;
  readonly accounting: Accounting;
  readonly producers: Producers;
  readonly pods: PodSupervisor;
  readonly rules: ScalingRules;
  readonly results: DownloadedResults | undefined;
  readonly latency?: Latency;
  readonly logFile: string;
}): RunSummary {
  const { ending, accounting, pods } = run;
  const jobs = pods.jobStatistics();
  const consumers = pods.consumerStatistics();
  return {
    ok: accounting.ok && ending.aborted === undefined && run.results?.failure === undefined,
    stack: run.stack,
    timeScale: run.timeScale,
    timings: {
      totalSeconds: run.totalSeconds,
      setupSeconds: run.setupSeconds,
      workSeconds: ending.workSeconds,
      scaleToZeroSeconds: ending.scaleToZeroSeconds,
    },
    aborted: ending.aborted,
    accounting,
    producedInvalid: producedTotals(run.producers.reports).bad,
    scaling: {
      jobsStarted: jobs.started,
      jobsSucceeded: jobs.succeeded,
      jobsFailed: jobs.failed,
      jobRetries: jobs.retries,
      peakRunningJobs: jobs.peakRunning,
      peakConsumers: consumers.peakReplicas,
      consumerRestarts: consumers.restarts,
      backToZero: ending.backToZero,
      consumerMinReplicas: run.rules.consumer.minReplicas,
    },
    results: run.results,
    ...(run.latency ? { latency: run.latency } : {}),
    logFile: run.logFile,
  };
}
