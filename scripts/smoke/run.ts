/**
 * One smoke run against a deployed stack: read its settings and outputs, upload the planned files
 * and send the planned events, watch each step until it passes, fails or runs out of time (live
 * progress), print the report, and remove what the run created unless `--keep` (cleanup.ts).
 */
import type { Writable } from "node:stream";
import { GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { PipelineOutputs, Settings } from "../../config";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import { queueDepth } from "../../local/emulator";
import { loadStack } from "../../local/stack";
import { drainNotifications } from "../../local/workflow/collect";
import { pollIntervalMs, smokeBudgets, type StepBudget } from "./budget";
import {
  daysBetween,
  expectedFolders,
  outputsStatus,
  quarantineFolder,
  quarantinedStatus,
  storedStatus,
  type StepStatus,
} from "./checks";
import { cleanUp, closeQueue, subscribe, type EventObjects, type Notified } from "./cleanup";
import { endpointFor, smokeClients, type SmokeClients } from "./clients";
import { notificationQueueName } from "./notifications";
import { checkOutputs, readOutputs, workflowPlaces, type RunCommand } from "./outputs";
import { settingsStackOf, type SmokeOptions } from "./options";
import { newRunId, planSmoke, type SmokePlan } from "./plan";
import { readItem, readNewObjects, readUploadResults } from "./probe";
import {
  dlqNote,
  finalReport,
  progressLine,
  type QueueDepths,
  type StepKind,
  type StepResult,
} from "./report";
import { sendEvents, upload, type Created } from "./send";
import { itemReadFailure, itemStatus, notificationStatus } from "./workflow-checks";

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
  readonly subject?: string;
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
    const endpoint = endpointFor(io.env, "S3");
    const dynamo = endpointFor(io.env, "DYNAMODB");
    say(
      `smoke: stack ${options.stack ?? "(from --outputs)"}, settings Pulumi.${settingsStack}.yaml, ` +
        `region ${settings.region}${endpoint ? `, endpoint ${endpoint}` : ""}` +
        (settings.orchestration.enabled && dynamo !== endpoint
          ? `, DynamoDB ${dynamo ?? "AWS"}`
          : ""),
    );
  } catch (err) {
    // Unreadable or broken outputs (OutputsError), an unknown stack file, invalid settings.
    if (!(err instanceof Error)) throw err;
    say(`smoke: ${err.message}`);
    return 2;
  }
  const clients = smokeClients(settings.region, io.env);
  try {
    const plan = planSmoke(settings, options, newRunId());
    const created: Created[] = [];
    const notified: Notified = { events: [] };
    const { steps, eventObjects } = buildSteps(plan, settings, outputs, clients, {
      timeScale: options.timeScale,
      notified,
    });
    const before = await readDepths(clients.sqs, outputs);
    const made = { created, eventObjects, notified };
    try {
      const subscribed =
        !settings.orchestration.enabled ||
        (await subscribe(clients, outputs, plan.runId, notified, say));
      if (!subscribed) return 1;
      const stopped = () => io.signal?.aborted === true;
      const interrupted = async () => {
        say(`smoke: interrupted (${String(io.signal?.reason)}) before it had sent everything`);
        await cleanUp(clients, plan, outputs, made, options.keep, say);
        return 130;
      };
      if (stopped()) return await interrupted();
      say(
        `smoke: run ${plan.runId}: uploading ${plan.uploads.map((u) => u.key).join(", ")} ` +
          `(${options.rows} rows) to ${outputs.rawBucketName}, sending ${plan.events.length} events ` +
          `(1 invalid) to ${outputs.eventsQueueUrl}`,
      );
      try {
        // A signal stops it between two requests: nothing more is uploaded or sent.
        for (const u of plan.uploads) {
          if (stopped()) return await interrupted();
          created.push(await upload(clients.s3, outputs.rawBucketName, u));
          for (const s of steps) if (s.subject === u.key) s.sentAt = Date.now();
        }
        if (stopped()) return await interrupted();
        await sendEvents(clients.sqs, outputs.eventsQueueUrl, plan.events);
        for (const s of steps)
          if (s.kind === "stored" || s.kind === "quarantined") s.sentAt = Date.now();
      } catch (err) {
        say(`smoke: sending failed: ${(err as Error).message}`);
        await cleanUp(clients, plan, outputs, made, options.keep, say);
        return 1;
      }
      await watch(steps, io, pollIntervalMs(options.timeScale), say);
      if (io.signal?.aborted) {
        say(
          `smoke: interrupted (${String(io.signal.reason)}); removing what it created so far ` +
            "(results a job writes after this stay)",
        );
      }
      const after = await readDepths(clients.sqs, outputs);
      io.out.write(finalReport(steps.map(resultOf), outputs, settings.region, after));
      const dlqGrowth = dlqNote(before, after);
      if (dlqGrowth) say(dlqGrowth);
      await cleanUp(clients, plan, outputs, made, options.keep, say);
      if (io.signal?.aborted) return 130;
      return steps.every((s) => s.latencySeconds !== undefined) ? 0 : 1;
    } finally {
      // The subscription and its queue go whatever happened (a failure, Ctrl-C), unless --keep.
      await closeQueue(clients, notified.queue, options.keep, settings.region, say);
    }
  } finally {
    clients.destroy();
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
    subject: s.subject,
  };
}

/**
 * The steps of `plan`: one per upload (and for an upload under the orchestration prefix its item
 * and notification too), then the stored events and the quarantined one; also the event objects
 * their checks read (the cleanup decides from them what it may remove).
 */
function buildSteps(
  plan: SmokePlan,
  settings: Settings,
  outputs: PipelineOutputs,
  clients: SmokeClients,
  run: { readonly timeScale: number; readonly notified: Notified },
): { steps: Step[]; eventObjects: EventObjects } {
  const { s3 } = clients;
  const budgets = smokeBudgets(settings, run.timeScale);
  const startedAt = Date.now();
  const step = (
    kind: StepKind,
    name: string,
    where: string,
    budget: StepBudget,
    check: Step["check"],
    subject?: string,
  ): Step => ({
    kind,
    name,
    where,
    budget,
    check,
    subject,
    sentAt: startedAt,
    status: { done: false, detail: "not yet" },
    latencySeconds: undefined,
    timedOut: false,
  });
  const bucket = outputs.processedBucketName;
  const steps: Step[] = [];
  for (const u of plan.uploads) {
    const kind: StepKind = u.pathPrefix === plan.uploads[0]?.pathPrefix ? "outputs" : "workflow";
    steps.push(
      step(
        kind,
        kind === "outputs" ? "outputs (input/)" : `workflow outputs (${u.pathPrefix})`,
        `s3://${bucket}/${u.results.resultsPrefix}`,
        kind === "outputs" ? budgets.outputs : budgets.workflow,
        async () => outputsStatus(u, await readUploadResults(s3, bucket, u)),
        u.key,
      ),
    );
    const table = outputs.resultsTableName;
    const topicArn = outputs.notificationTopicArn;
    if (kind === "outputs" || table === undefined || topicArn === undefined) continue;
    const where = { table, processedBucket: bucket };
    const { notified } = run;
    steps.push(
      step(
        "item",
        `workflow item (${u.pathPrefix})`,
        `the results table ${table}, item ${RESULTS_TABLE_KEY} = ${u.key}`,
        budgets.item,
        async () => {
          try {
            return itemStatus(u, await readItem(clients.dynamo, table, u.key), where);
          } catch (err) {
            const failure = itemReadFailure(err, table);
            if (failure) return failure;
            throw err;
          }
        },
        u.key,
      ),
      step(
        "notification",
        `workflow notification (${u.pathPrefix})`,
        `the smoke's queue ${notificationQueueName(plan.runId)}, subscribed to ${topicArn}`,
        budgets.notification,
        async () => {
          if (notified.queue) {
            notified.events.push(
              ...(await drainNotifications(clients.sqs, notified.queue.queueUrl)),
            );
          }
          return notificationStatus(u, notified.events, topicArn);
        },
        u.key,
      ),
    );
  }
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

async function readDepths(sqs: SQSClient, outputs: PipelineOutputs): Promise<QueueDepths> {
  const depth = (url: string) => queueDepth(sqs, url).catch(() => undefined);
  const places = outputs.stateMachineArn === undefined ? undefined : workflowPlaces(outputs);
  const rulesDlq = async () => {
    if (!places) return undefined;
    try {
      const got = await sqs.send(new GetQueueUrlCommand({ QueueName: places.rulesDlqName }));
      return got.QueueUrl ? await depth(got.QueueUrl) : undefined;
    } catch {
      return undefined;
    }
  };
  const [preprocess, preprocessDlq, events, eventsDlq, rules] = await Promise.all([
    depth(outputs.preprocessQueueUrl),
    depth(outputs.preprocessDlqUrl),
    depth(outputs.eventsQueueUrl),
    depth(outputs.eventsDlqUrl),
    rulesDlq(),
  ]);
  return { preprocess, preprocessDlq, events, eventsDlq, rulesDlq: rules };
}
