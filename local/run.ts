/**
 * One local run, end to end: set-up (emulator, the stack's resources, the processes log), the
 * drivers (uploads with their S3 events, the producers), the two scaler loops (KEDA's rules on the
 * live queue depths) and the live view, then the ending — once every queue is drained and the
 * workloads are back to zero — with the accounting and the summary.
 */
import path from "node:path";
import type { Writable } from "node:stream";
import { startProducers, startUploads, type ProducerReport } from "./drivers";
import { accountRun, summarize, waitForEnd } from "./ending";
import { fileLatency } from "./latency";
import { defaultTimeoutSeconds, type LocalOptions } from "./options";
import { emptyDepths, startScalers } from "./scaling-loops";
import { checkResultsDir, downloadResults } from "./results";
import {
  createPods,
  logDirFor,
  openRunEnvironment,
  prepareStack,
  processorLauncher,
} from "./setup";
import { loadStack } from "./stack";
import type { RunSummary } from "./summary";
import { LiveView } from "./view";
import { reportFileFor, writeReport } from "./report/write";
import { SampleLog, sampleOf } from "./samples";
import { runFiles } from "./user-input";
import { serveAfterRun } from "./serve";
import { renderSummary } from "./summary";
import { startWatch } from "./watch";
import type { PodSupervisor } from "./pod-supervisor";
import { workflowLiveLine } from "./workflow/report";
import { startWorkflow, type WorkflowRun } from "./workflow/workflow";
import { localTokens, recordedSetOf, writeRecordedSet } from "./record-calls";
import type { IntegrationTokens } from "../proof/calls/integrations";

/** Where a run writes and what may stop it. */
export interface RunIo {
  readonly out: Writable;
  readonly tty: boolean;
  /** Repository root (Pulumi.<stack>.yaml, processor/). */
  readonly root: string;
  /** Aborted on Ctrl-C / SIGTERM: the run stops its children and reports what it has. */
  readonly signal: AbortSignal;
}

/** Runs local mode with `options`; never throws for a failed run, only for a broken setup. */
export async function runLocal(options: LocalOptions, io: RunIo): Promise<RunSummary> {
  const t0 = Date.now();
  const elapsed = () => Date.now() - t0;
  const stack = loadStack(options.stack, io.root);
  if (options.results !== undefined) checkResultsDir(options.results);
  const files = await runFiles(options);
  const { region } = stack.settings;
  const view = new LiveView(io.out, io.tty);
  const note = (text: string) => view.note(elapsed(), text);
  const logDir = logDirFor(options.logDir, io.root, t0);
  const env = await openRunEnvironment(region, logDir, options.recordCalls !== undefined);
  const samples = new SampleLog();
  let pods: PodSupervisor | undefined;
  let workflow: WorkflowRun | undefined;
  let tokens: IntegrationTokens | undefined;
  try {
    const run = await prepareStack(env, stack, options.timeScale, note);
    const { resources, rules } = run;
    // The orchestrated variant (when the stack has it): its services, uploads and executions.
    workflow = await startWorkflow({
      ...{ stack, env, resources, files, note, timeScale: options.timeScale },
      launcher: processorLauncher(env, io.root, region),
      graceMs: run.specs.graceMs.preprocess,
      record: env.recorder?.integrationCalls,
    });
    tokens = localTokens(resources, workflow?.stack);
    const setupSeconds = elapsed() / 1000;

    const reports: ProducerReport[] = [];
    const resultTimes = new Map<string, number>();
    pods = createPods(env, run, options, {
      root: io.root,
      region,
      producerReports: reports,
      resultTimes,
      note,
    });
    const badRatio = stack.settings.workloads.badEventRatio;
    const producers = startProducers(pods, run.specs, badRatio, options, reports, note);
    const uploads = startUploads(
      files,
      {
        ...env.clients,
        region,
        bucket: resources.rawBucket,
        queueUrl: resources.preprocessQueueUrl,
      },
      note,
      workflow?.onUpload,
    );

    const depth = emptyDepths();
    const scalers = startScalers(rules, resources, env.kedaSqs, pods, note, depth);
    let phase = "working";
    const watched = {
      elapsed,
      phase: () => phase,
      depth,
      pods,
      rules,
      uploads,
      producers,
      filesTotal: files.length,
      eventsTarget: options.events,
      workflowLine: workflow && (() => workflowLiveLine((workflow as WorkflowRun).status())),
    };
    const watch = startWatch(view, io.tty, env.clients, resources, watched, note, (snapshot) =>
      samples.add(sampleOf(snapshot)),
    );

    const limit = options.timeoutSeconds ?? defaultTimeoutSeconds(options.timeScale);
    const work = { sqs: env.clients.sqs, resources, rules, pods, uploads, producers, workflow };
    const ending = await waitForEnd(work, limit, io.signal, (workSeconds) => {
      phase = "drained; waiting for the scaler to take the consumers back to zero";
      note(`all queues drained after ${workSeconds.toFixed(1)} s of work`);
    });
    phase = "stopping";
    // Stopped early (Ctrl-C, time limit): abort the executions and stop their jobs.
    if (ending.aborted !== undefined) await workflow?.stop();
    await scalers.stop();
    await watch.stop();
    view.clear();
    await pods.stopAll();

    const accounting = await accountRun(env.clients, resources, files, producers);
    const workflowSummary = await workflow?.finish(uploads.uploaded);
    const results =
      options.results === undefined
        ? undefined
        : await downloadResults(env.clients.s3, resources, options.results);
    const summary = summarize({
      stack: stack.name,
      timeScale: options.timeScale,
      totalSeconds: elapsed() / 1000,
      setupSeconds,
      ending,
      accounting,
      producers,
      pods,
      rules,
      results,
      latency: fileLatency(uploads.uploadedAt, resultTimes),
      logFile: path.relative(io.root, env.logFile),
    });
    const reportFile = reportFileFor(options.report, logDir);
    const combined = writeReport(
      reportFile,
      path.relative(io.root, path.resolve(reportFile)),
      workflowSummary
        ? { ...summary, ok: summary.ok && workflowSummary.ok, workflow: workflowSummary }
        : summary,
      samples.all(),
    );
    if (options.serve && combined.aborted === undefined) {
      io.out.write(`\n${renderSummary(combined)}`);
      await serveAfterRun(env, run, stack, workflow, options, io);
    }
    return combined;
  } finally {
    await workflow?.close();
    await pods?.stopAll();
    // Everything has stopped: the recording is complete (the --serve phase's calls included).
    if (options.recordCalls !== undefined && env.recorder && tokens) {
      writeRecordedSet(options.recordCalls, recordedSetOf(env.recorder, tokens));
    }
    await env.close();
  }
}
