/**
 * The processing job of an execution as a real process: what `eks:runJob.sync` asks the cluster
 * to run — the Job manifest's container command and environment, as the definition resolved them
 * for this execution — is `node processor/bin/processor.js <args>` with that environment (plus the
 * emulator's endpoint and credentials). The Job's `activeDeadlineSeconds`, shortened by the run's
 * time scale, stops it; `backoffLimit: 0` means one attempt (the state machine retries).
 *
 * The EMR engine's Spark job run is stood in for by the same command: the Spark entry point takes
 * the same object and writes the same outputs (README, "Orchestrated variant"), but there is no
 * Spark here, so local mode runs the Node processor with the job run's arguments.
 */
import { TaskError } from "../../harness/stepfunctions";
import { spawnProcessor, type Child, type Launcher } from "../processes";

/* eslint-disable @typescript-eslint/no-explicit-any -- integration requests are untyped JSON */

/** One job as the run counts it. */
export interface JobRecord {
  readonly name: string;
  readonly key: string;
  readonly startedAt: number;
  endedAt?: number;
  /**
   * `running`, `succeeded`, `failed` (non-zero exit), `deadline` (activeDeadlineSeconds), or
   * `stopped`: its execution no longer waits for it (the other branch of the Parallel state failed).
   */
  status: "running" | "succeeded" | "failed" | "deadline" | "stopped";
}

/** What a job runs: the processor command line and its container environment. */
export interface JobCommand {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Seconds before the job is stopped (unscaled). */
  readonly deadlineSeconds: number;
}

/** The command of an `eks:runJob.sync` request (its resolved Job manifest). */
export function eksJobCommand(request: any): JobCommand {
  const spec = request.Job.spec;
  const container = spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = String(e.value);
  return {
    args: [...(container.command ?? []).slice(1), ...(container.args as string[])],
    env,
    deadlineSeconds: Number(spec.activeDeadlineSeconds),
  };
}

/**
 * The stand-in command of an `emr-containers:startJobRun.sync` request: `preprocess-object` for
 * the job run's bucket and key, writing where the job run's arguments say.
 */
export function emrJobCommand(
  request: any,
  prefix: string,
  region: string,
  deadlineSeconds: number,
): JobCommand {
  const args = request.JobDriver.SparkSubmitJobDriver.EntryPointArguments as string[];
  const arg = (flag: string) => {
    const i = args.indexOf(flag);
    if (i < 0) throw new TaskError("States.TaskFailed", `job run has no ${flag}`);
    return args[i + 1] as string;
  };
  return {
    args: [
      "preprocess-object",
      "--bucket",
      arg("--bucket"),
      "--key",
      arg("--key"),
      "--prefix",
      prefix,
    ],
    env: { AWS_REGION: region, LOG_LEVEL: "info", OUTPUT_BUCKET: arg("--output-bucket") },
    deadlineSeconds,
  };
}

/** Runs jobs as child processes and keeps their records. */
export class JobRunner {
  readonly records: JobRecord[] = [];
  private readonly children = new Set<Child>();
  private stopped = false;
  private counter = 0;

  constructor(
    private readonly launcher: Launcher,
    private readonly timeScale: number,
    /** SIGTERM → SIGKILL grace of a stopped job (the pod's terminationGracePeriodSeconds). */
    private readonly graceMs: number,
  ) {}

  /** Jobs running now. */
  get running(): number {
    return this.children.size;
  }

  /**
   * Runs one job to its end; throws a {@link TaskError} the way runJob.sync fails the task. When
   * `cancel` aborts (its branch was stopped), the job is stopped the way runJob.sync deletes the
   * Job of a stopped task (k8s/specs/orchestrator.ts grants the delete for this); a cancelled
   * scope starts no job at all.
   */
  async run(command: JobCommand, cancel?: AbortSignal): Promise<{ status: { succeeded: number } }> {
    if (this.stopped) throw new TaskError("States.TaskFailed", "local mode is stopping");
    if (cancel?.aborted) throw new TaskError("States.TaskFailed", "the branch was stopped");
    const [subcommand, ...args] = command.args;
    if (subcommand === undefined) throw new TaskError("States.TaskFailed", "Job has no command");
    const keyAt = args.indexOf("--key");
    const record: JobRecord = {
      name: `batch-object-${++this.counter}`,
      key: keyAt >= 0 ? (args[keyAt + 1] ?? "") : "",
      startedAt: Date.now(),
      status: "running",
    };
    this.records.push(record);
    const child = spawnProcessor(this.launcher, record.name, subcommand, command.env, args);
    this.children.add(child);
    const deadlineMs = command.deadlineSeconds * this.timeScale * 1000;
    let pastDeadline = false;
    const timer = setTimeout(() => {
      pastDeadline = true;
      void child.stop(this.graceMs);
    }, deadlineMs);
    let cancelled = false;
    const onCancel = () => {
      cancelled = true;
      void child.stop(this.graceMs);
    };
    cancel?.addEventListener("abort", onCancel, { once: true });
    const exit = await child.exit;
    clearTimeout(timer);
    cancel?.removeEventListener("abort", onCancel);
    this.children.delete(child);
    record.endedAt = Date.now();
    if (cancelled) {
      record.status = "stopped";
      throw new TaskError(
        "States.TaskFailed",
        `Job ${record.name} deleted: its branch was stopped`,
      );
    }
    if (exit.code === 0 && !pastDeadline) {
      record.status = "succeeded";
      return { status: { succeeded: 1 } };
    }
    record.status = pastDeadline ? "deadline" : "failed";
    // The Job's failed condition, as runJob.sync reports it (plain text: see proof/world.ts).
    const reason = pastDeadline ? "DeadlineExceeded" : "BackoffLimitExceeded";
    throw new TaskError(
      "States.TaskFailed",
      `Job ${record.name} failed: ${reason} (exit ${exit.code ?? exit.signal})`,
    );
  }

  /** Stops every running job (SIGTERM, SIGKILL after the grace period); no new job starts. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.children].map((c) => c.stop(this.graceMs)));
  }
}
