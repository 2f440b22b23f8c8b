/**
 * The orchestrated variant's part of a run: its services (dynalite, the lake, the topic and its
 * subscriber queue), the uploads under the variant's prefix with their `Object Created` events,
 * the executions those events start through the upload rule, and at the end its accounting.
 * {@link startWorkflow} returns undefined for a stack without the variant.
 */
import { KEYS } from "@pipeline/processor/contract";
import type { IntegrationCall } from "../../proof/calls/integrations";
import type { Tracker } from "../drivers";
import { sequencerSource, uploadAndNotify, type Upload } from "../notifier";
import type { Launcher } from "../processes";
import type { SeedFile } from "../seed";
import type { LocalStack } from "../stack";
import type { LocalResources } from "../emulator";
import type { RunEnvironment } from "../setup";
import { checkWorkflow, type WorkflowAccounting, type WorkflowFile } from "./accounting";
import { EventBus } from "./bus";
import { readServices } from "./collect";
import { Executions } from "./executions";
import { JobRunner } from "./jobs";
import { objectCreatedEvent } from "./s3-events";
import { createWorkflowResources, startDynamo, workflowClients } from "./services";
import { workflowStack, type WorkflowStack } from "./stack";

/** What the summary reports of the workflow. */
export interface WorkflowSummary {
  readonly ok: boolean;
  readonly accounting: WorkflowAccounting;
  readonly executions: {
    readonly started: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Aborted or timed out. */
    readonly other: number;
    readonly retries: number;
    readonly peakRunning: number;
  };
  readonly jobs: { readonly started: number; readonly succeeded: number; readonly failed: number };
  /** Object Created events of the raw bucket, and how many the upload rule matched. */
  readonly objectEvents: number;
  readonly busEvents: number;
  readonly notifications: number;
}

/** The workflow of a running local mode. */
export interface WorkflowRun {
  readonly stack: WorkflowStack;
  /** The notification topic on the emulator's SNS. */
  readonly topicArn: string;
  /** Where dynalite serves the results table (not the emulator's endpoint). */
  readonly dynamoEndpoint: string;
  readonly uploads: Tracker;
  /** Every upload to the raw bucket goes to EventBridge too: the upload rule decides. */
  onUpload(upload: Upload): void;
  /** Uploads done and no execution running. */
  readonly idle: boolean;
  /** What the live view shows. */
  status(): { running: number; states: Record<string, number>; succeeded: number; failed: number };
  /** Aborts every execution and stops every job (Ctrl-C). */
  stop(): Promise<void>;
  /** The accounting, once idle (or stopped). */
  finish(kedaKeys: readonly string[]): Promise<WorkflowSummary>;
  close(): Promise<void>;
}

/** The run's files as uploads under the variant's prefix (`input/x.csv` → `batch/x.csv`). */
export function workflowFiles(files: readonly SeedFile[], prefix: string): SeedFile[] {
  return files.map((f) => ({
    ...f,
    key: `${prefix}${f.key.startsWith(KEYS.inputPrefix) ? f.key.slice(KEYS.inputPrefix.length) : f.key}`,
  }));
}

/** Starts the variant's services and uploads, or returns undefined when the stack has none. */
export async function startWorkflow(ctx: {
  readonly stack: LocalStack;
  readonly env: RunEnvironment;
  readonly resources: LocalResources;
  readonly files: readonly SeedFile[];
  readonly launcher: Launcher;
  readonly timeScale: number;
  readonly graceMs: number;
  readonly note: (text: string) => void;
  /** With `--record-calls`: the integration calls go here (local/workflow/integrations.ts). */
  readonly record?: IntegrationCall[];
}): Promise<WorkflowRun | undefined> {
  const w = workflowStack(ctx.stack, ctx.resources);
  if (!w) return undefined;
  const { s3, sqs } = ctx.env.clients;
  const dynamo = await startDynamo();
  const clients = workflowClients(dynamo.endpoint, ctx.env.emulator.endpoint, w.region);
  const created = await createWorkflowResources(w, { ...clients, s3, sqs });
  const bus = new EventBus(w, clients.sns, created.topicArn);
  const jobs = new JobRunner(ctx.launcher, ctx.timeScale, ctx.graceMs);
  const executions = new Executions(
    {
      s3,
      dynamo: clients.dynamo,
      bus,
      jobs,
      workflow: w,
      ...(ctx.record ? { record: ctx.record } : {}),
    },
    ctx.timeScale,
    ctx.note,
  );
  ctx.note(
    `workflow: state machine ${w.stateMachineName} (${w.settings.engine} engine), rule ` +
      `${w.uploadRule.name} on ${w.rawBucket}/${w.settings.prefix}, table ${w.tableName} on ` +
      `dynalite ${dynamo.endpoint}, bus ${w.eventBusName} → topic ${w.topicName} → SQS subscriber`,
  );
  const sequencer = sequencerSource();
  const onUpload = (u: Upload) => {
    executions.onObjectCreated(objectCreatedEvent(u, w.rawBucket, w.region, sequencer()));
  };
  const files = workflowFiles(ctx.files, w.settings.prefix);
  const expected: WorkflowFile[] = [];
  const state = { finished: false, failure: undefined as string | undefined };
  const target = { s3, sqs, region: w.region, bucket: w.rawBucket, queueUrl: "" };
  void (async () => {
    for (const f of files) {
      // Not an input/*.csv key: the SQS notification's filter does not match, EventBridge's does.
      const upload = await uploadAndNotify(target, f.key, f.body, sequencer);
      expected.push({ key: f.key, rows: f.rows, size: upload.size, expectError: f.expectError });
      onUpload(upload);
    }
  })().then(
    () => {
      state.finished = true;
      ctx.note(`uploaded ${files.length} file(s) to ${w.rawBucket}/${w.settings.prefix}`);
    },
    (err: unknown) => {
      state.finished = true;
      state.failure = `workflow upload failed: ${err instanceof Error ? err.message : String(err)}`;
    },
  );
  const status = () => {
    const running = executions.records.filter((r) => r.status === "RUNNING");
    const states: Record<string, number> = {};
    for (const r of running) for (const s of r.inFlight) states[s] = (states[s] ?? 0) + 1;
    const done = (s: string) => executions.records.filter((r) => r.status === s).length;
    return {
      running: running.length,
      states,
      succeeded: done("SUCCEEDED"),
      failed: done("FAILED"),
    };
  };
  return {
    stack: w,
    topicArn: created.topicArn,
    dynamoEndpoint: dynamo.endpoint,
    uploads: {
      get finished() {
        return state.finished;
      },
      get failure() {
        return state.failure;
      },
    },
    onUpload,
    get idle() {
      return state.finished && executions.active === 0 && jobs.running === 0;
    },
    status,
    stop: async () => {
      await executions.stop();
      await jobs.stopAll();
    },
    async finish(kedaKeys) {
      await executions.settled();
      const readings = await readServices(
        { s3, sqs, dynamo: clients.dynamo },
        {
          table: w.tableName,
          lakeBucket: w.lakeBucket,
          processedBucket: w.processedBucket,
          notificationQueueUrl: created.notificationQueueUrl,
        },
      );
      const accounting = checkWorkflow({
        ...readings,
        prefix: w.settings.prefix,
        files: expected,
        kedaKeys,
        executions: executions.records,
        busEvents: bus.events,
      });
      const records = executions.records;
      const count = (s: string) => records.filter((r) => r.status === s).length;
      const failure = state.failure;
      return {
        ok: accounting.ok && failure === undefined,
        accounting: failure
          ? { ...accounting, ok: false, problems: [...accounting.problems, failure] }
          : accounting,
        executions: {
          started: records.length,
          succeeded: count("SUCCEEDED"),
          failed: count("FAILED"),
          other: records.length - count("SUCCEEDED") - count("FAILED"),
          retries: records.reduce(
            (n, r) => n + Object.values(r.retries).reduce((a, b) => a + b, 0),
            0,
          ),
          peakRunning: executions.peakRunning,
        },
        jobs: {
          started: jobs.records.length,
          succeeded: jobs.records.filter((j) => j.status === "succeeded").length,
          failed: jobs.records.filter((j) => j.status !== "succeeded" && j.status !== "running")
            .length,
        },
        objectEvents: executions.eventsSeen,
        busEvents: bus.events.length,
        notifications: readings.notifications.length,
      };
    },
    async close() {
      await jobs.stopAll();
      clients.dynamo.destroy();
      clients.sns.destroy();
      await dynamo.stop();
    },
  };
}
