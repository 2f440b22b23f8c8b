/**
 * One smoke run against a deployed stack: read its settings and outputs, upload the planned files
 * and send the planned events, watch each step until it passes, fails or runs out of time (live
 * progress), print the report, and remove what the run created unless `--keep`.
 */
import type { Writable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { PipelineOutputs, Settings } from "../../config";
import { queueDepth } from "../../local/emulator";
import { loadStack } from "../../local/stack";
import { createS3Client, createSqsClient } from "../../processor/src/aws";
import { pollIntervalMs, smokeBudgets, type StepBudget } from "./budget";
import {
  daysBetween,
  expectedFolders,
  outputsStatus,
  ownObjects,
  quarantineFolder,
  quarantinedStatus,
  sentIds,
  storedStatus,
  type StepStatus,
} from "./checks";
import { checkOutputs, readOutputs, type RunCommand } from "./outputs";
import { settingsStackOf, type SmokeOptions } from "./options";
import { newRunId, planSmoke, type SmokePlan } from "./plan";
import { exists, listUnder, readNewObjects, readUploadResults } from "./probe";
import {
  dlqNote,
  finalReport,
  progressLine,
  type QueueDepths,
  type StepKind,
  type StepResult,
} from "./report";
import { remove, sendEvents, upload, type Created } from "./send";

/** Where a run reads and writes. */
export interface SmokeIo {
  readonly out: Writable;
  /** Rewrite one progress line in place (a terminal) instead of printing changes. */
  readonly tty: boolean;
  /** Repository root: Pulumi.yaml and the stack files. */
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs the Pulumi CLI (injected in tests). */
  readonly run?: RunCommand;
  /** Aborted on Ctrl-C / SIGTERM: the run stops waiting, reports and still cleans up. */
  readonly signal?: AbortSignal;
}

/** A step being watched. */
interface Step {
  readonly kind: StepKind;
  readonly name: string;
  readonly where: string;
  readonly budget: StepBudget;
  readonly check: () => Promise<StepStatus>;
  sentAt: number;
  status: StepStatus;
  latencySeconds: number | undefined;
  timedOut: boolean;
}

const pending = (s: Step) => s.latencySeconds === undefined && !s.status.failure && !s.timedOut;
/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Runs the smoke test; resolves to the exit code (0 passed, 1 failed, 2 could not start). */
export async function runSmoke(options: SmokeOptions, io: SmokeIo): Promise<number> {
  const say = (text: string) => io.out.write(`${text}\n`);
  let settings: Settings;
  let outputs: PipelineOutputs;
  try {
    const settingsStack = settingsStackOf(options);
    settings = loadStack(settingsStack, io.root).settings;
    const raw = await readOutputs({ file: options.outputs, stack: options.stack }, io.root, io.run);
    outputs = checkOutputs(raw, settings.orchestration.enabled);
    say(
      `smoke: stack ${options.stack ?? "(from --outputs)"}, settings Pulumi.${settingsStack}.yaml, ` +
        `region ${settings.region}${io.env.AWS_ENDPOINT_URL ? `, endpoint ${io.env.AWS_ENDPOINT_URL}` : ""}`,
    );
  } catch (err) {
    // Unreadable or broken outputs (OutputsError), an unknown stack file, invalid settings.
    if (!(err instanceof Error)) throw err;
    say(`smoke: ${err.message}`);
    return 2;
  }
  const aws = { region: settings.region, endpoint: io.env.AWS_ENDPOINT_URL || undefined };
  const s3 = createS3Client(aws);
  const sqs = createSqsClient(aws);
  try {
    const plan = planSmoke(settings, options, newRunId());
    const created: Created[] = [];
    const { steps, eventObjects } = buildSteps(plan, settings, outputs, s3, options.timeScale);
    const before = await readDepths(sqs, outputs);
    say(
      `smoke: run ${plan.runId}: uploading ${plan.uploads.map((u) => u.key).join(", ")} ` +
        `(${options.rows} rows) to ${outputs.rawBucketName}, sending ${plan.events.length} events ` +
        `(1 invalid) to ${outputs.eventsQueueUrl}`,
    );
    try {
      for (const [i, u] of plan.uploads.entries()) {
        created.push(await upload(s3, outputs.rawBucketName, u));
        const step = steps[i];
        if (step) step.sentAt = Date.now();
      }
      await sendEvents(sqs, outputs.eventsQueueUrl, plan.events);
      for (const s of steps)
        if (s.kind === "stored" || s.kind === "quarantined") s.sentAt = Date.now();
    } catch (err) {
      say(`smoke: sending failed: ${(err as Error).message}`);
      await cleanUp(s3, plan, outputs, { created, eventObjects }, options.keep, say);
      return 1;
    }
    await watch(steps, io, pollIntervalMs(options.timeScale), say);
    if (io.signal?.aborted) {
      say(
        `smoke: interrupted (${String(io.signal.reason)}); removing what it created so far ` +
          "(results a job writes after this stay)",
      );
    }
    const after = await readDepths(sqs, outputs);
    io.out.write(finalReport(steps.map(resultOf), outputs, settings.region, after));
    const dlqGrowth = dlqNote(before, after);
    if (dlqGrowth) say(dlqGrowth);
    await cleanUp(s3, plan, outputs, { created, eventObjects }, options.keep, say);
    if (io.signal?.aborted) return 130;
    return steps.every((s) => s.latencySeconds !== undefined) ? 0 : 1;
  } finally {
    s3.destroy();
    sqs.destroy();
  }
}

function resultOf(s: Step): StepResult {
  return {
    kind: s.kind,
    name: s.name,
    where: s.where,
    budget: s.budget,
    status: s.status,
    latencySeconds: s.latencySeconds,
    timedOut: s.timedOut,
  };
}

/** The event objects read so far (key → text), by bucket folder kind. */
interface EventObjects {
  readonly stored: Map<string, string>;
  readonly quarantined: Map<string, string>;
}

/**
 * The steps of `plan`: one per upload, then the stored events and the quarantined one; also the
 * event objects their checks read (the cleanup decides from them what it may remove).
 */
function buildSteps(
  plan: SmokePlan,
  settings: Settings,
  outputs: PipelineOutputs,
  s3: S3Client,
  timeScale: number,
): { steps: Step[]; eventObjects: EventObjects } {
  const budgets = smokeBudgets(settings, timeScale);
  const startedAt = Date.now();
  const step = (
    kind: StepKind,
    name: string,
    where: string,
    budget: StepBudget,
    check: Step["check"],
  ): Step => ({
    kind,
    name,
    where,
    budget,
    check,
    sentAt: startedAt,
    status: { done: false, detail: "not yet" },
    latencySeconds: undefined,
    timedOut: false,
  });
  const bucket = outputs.processedBucketName;
  const steps = plan.uploads.map((u) => {
    const kind: StepKind = u.pathPrefix === plan.uploads[0]?.pathPrefix ? "outputs" : "workflow";
    return step(
      kind,
      kind === "outputs" ? "outputs (input/)" : `workflow outputs (${u.pathPrefix})`,
      `s3://${bucket}/${u.results.resultsPrefix}`,
      kind === "outputs" ? budgets.outputs : budgets.workflow,
      async () => outputsStatus(u, await readUploadResults(s3, bucket, u)),
    );
  });
  const events = outputs.eventsBucketName;
  const stored = new Map<string, string>();
  const storedFolders = [...new Set(expectedFolders(plan.events).values())];
  const quarantined = new Map<string, string>();
  const since = startedAt;
  steps.push(
    step(
      "stored",
      "events stored",
      storedFolders.map((f) => `s3://${events}/${f}`).join(", "),
      budgets.events,
      async () => {
        await readNewObjects(s3, events, storedFolders, since, stored);
        return storedStatus(plan.events, stored);
      },
    ),
    step(
      "quarantined",
      "invalid event quarantined",
      `s3://${events}/${quarantineFolder(daysBetween(since, since)[0] ?? "")}`,
      budgets.events,
      async () => {
        const folders = daysBetween(since, Date.now()).map(quarantineFolder);
        await readNewObjects(s3, events, folders, since, quarantined);
        return quarantinedStatus(plan.events, quarantined);
      },
    ),
  );
  return { steps, eventObjects: { stored, quarantined } };
}

/** Looks at every pending step every `pollMs` until none is pending, printing progress. */
async function watch(steps: Step[], io: SmokeIo, pollMs: number, say: (t: string) => void) {
  const start = Date.now();
  let last = "";
  while (steps.some(pending) && !io.signal?.aborted) {
    await Promise.all(
      steps.filter(pending).map(async (s) => {
        try {
          s.status = await s.check();
        } catch (err) {
          s.status = { done: false, detail: `read failed: ${(err as Error).message}` };
        }
        const now = Date.now();
        if (s.status.done) s.latencySeconds = (now - s.sentAt) / 1000;
        else if (now - s.sentAt > s.budget.seconds * 1000) s.timedOut = true;
      }),
    );
    const line = progressLine((Date.now() - start) / 1000, steps.map(resultOf));
    if (io.tty) io.out.write(`\r\x1b[2K${line}`);
    else if (line.replace(/^\[[^\]]*\] /, "") !== last.replace(/^\[[^\]]*\] /, "")) say(line);
    last = line;
    if (steps.some(pending)) await sleep(pollMs, io.signal);
  }
  if (io.tty) io.out.write("\n");
}

async function readDepths(
  sqs: ReturnType<typeof createSqsClient>,
  outputs: PipelineOutputs,
): Promise<QueueDepths> {
  const depth = (url: string) => queueDepth(sqs, url).catch(() => undefined);
  const [preprocess, preprocessDlq, events, eventsDlq] = await Promise.all([
    depth(outputs.preprocessQueueUrl),
    depth(outputs.preprocessDlqUrl),
    depth(outputs.eventsQueueUrl),
    depth(outputs.eventsDlqUrl),
  ]);
  return { preprocess, preprocessDlq, events, eventsDlq };
}

/**
 * Removes the uploads (their exact versions), their results and error reports, and the event
 * objects that hold only the run's own events; says what it left.
 */
async function cleanUp(
  s3: S3Client,
  plan: SmokePlan,
  outputs: PipelineOutputs,
  made: { readonly created: readonly Created[]; readonly eventObjects: EventObjects },
  keep: boolean,
  say: (t: string) => void,
): Promise<void> {
  const { created, eventObjects } = made;
  if (keep) {
    say(
      `smoke: --keep: left ${created.map((c) => `s3://${c.bucket}/${c.key}`).join(", ")} and their results`,
    );
    return;
  }
  const targets: Created[] = [...created];
  const processed = outputs.processedBucketName;
  for (const u of plan.uploads) {
    for (const o of await listUnder(s3, processed, u.results.resultsPrefix)) {
      targets.push({ bucket: processed, key: o.key });
    }
    if (await exists(s3, processed, u.results.errorReportKey)) {
      targets.push({ bucket: processed, key: u.results.errorReportKey });
    }
  }
  const ids = sentIds(plan.events);
  const events = ownObjects(new Map([...eventObjects.stored, ...eventObjects.quarantined]), ids);
  for (const key of events.own) targets.push({ bucket: outputs.eventsBucketName, key });
  const failures = await remove(s3, targets);
  const workflow = plan.uploads.filter((u) => u.pathPrefix !== plan.uploads[0]?.pathPrefix);
  if (workflow.length > 0) {
    // The outputs name neither the lake bucket nor a way to delete the results item safely.
    say(
      `smoke: left the workflow's own records of ${workflow.map((u) => u.key).join(", ")}: ` +
        `its copy in the lake bucket and its item in ${outputs.resultsTableName ?? "the results table"}`,
    );
  }
  say(
    `smoke: removed ${targets.length - failures.length} object(s) it created` +
      (events.shared.length > 0
        ? `; left ${events.shared.length} event object(s) that also hold other events`
        : "") +
      (failures.length > 0 ? `; could not remove: ${failures.join("; ")}` : ""),
  );
}
