/**
 * One local run, end to end: emulator and resources, producers, uploads with their S3 events, the
 * two scaler loops (KEDA's rules on the live queue depths), the live view, then — once every queue
 * is drained and the workloads are back to zero — the accounting and the summary.
 */
import {
  CONSUMER_DEFAULTS,
  envDefaults,
  minVisibilityTimeoutSeconds,
  type CommandEnvVars,
} from "@pipeline/processor/contract";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { collectAccounting, type ExpectedFile } from "./accounting";
import {
  createResources,
  emulatorClients,
  emulatorEnvironment,
  queueDepth,
  startEmulator,
  type LocalResources,
} from "./emulator";
import { sequencerSource, uploadAndNotify, type NotifierTarget } from "./notifier";
import { defaultTimeoutSeconds, type LocalOptions } from "./options";
import { spawnProcessor, type Launcher } from "./processes";
import { ProgressReader } from "./progress";
import {
  decideScaledJob,
  initialScaledObjectState,
  sqsMetric,
  stepScaledObject,
  validateScaledObjectRules,
  type QueueDepth,
} from "./scaler";
import { seedFiles, type SeedFile } from "./seed";
import {
  localWorkloadSpecs,
  timeScaled,
  type LocalWorkloadSpecs,
  type ScalingRules,
} from "./specs";
import { loadStack } from "./stack";
import type { RunSummary } from "./summary";
import { LiveView, type Snapshot } from "./view";
import { Workloads } from "./workloads";

/** Where a run writes and what may stop it. */
export interface RunIo {
  readonly out: Writable;
  readonly tty: boolean;
  /** Repository root (Pulumi.<stack>.yaml, processor/). */
  readonly root: string;
  /** Aborted on Ctrl-C / SIGTERM: the run stops its children and reports what it has. */
  readonly signal: AbortSignal;
}

/**
 * Runs `fn` now and then `ms` after each run finishes, until `stop()`. A run that throws is passed
 * to `onError` and the loop goes on (an unhandled rejection would end local mode mid-run).
 */
export function every(
  ms: number,
  fn: () => Promise<void>,
  onError: (err: unknown) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = fn()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, ms);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Reports a failed tick of a loop in the view's log. */
function loopError(note: (text: string) => void, loop: string): (err: unknown) => void {
  return (err) => note(`${loop}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Resolves after `ms` or when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Splits `total` events over `producers` producers (the first ones take the remainder). */
export function splitEvents(total: number, producers: number): number[] {
  if (producers <= 0 || total <= 0) return [];
  const base = Math.floor(total / producers);
  return Array.from({ length: producers }, (_, i) => base + (i < total % producers ? 1 : 0)).filter(
    (count) => count > 0,
  );
}

/** The environment the processor's commands get on top of their spec's: emulator, free ports. */
function launcherEnv(endpoint: string, region: string): Record<string, string> {
  return {
    ...emulatorEnvironment(endpoint, region),
    // Several pods share this machine: each health/metrics server takes a free port.
    ...({ METRICS_PORT: "0", LOG_LEVEL: "info" } satisfies CommandEnvVars<"consume">),
  };
}

const EMPTY: QueueDepth = { visible: 0, inFlight: 0 };

/** A producer's own count of what it sent (its "producer stopped" log line). */
interface ProducerReport {
  readonly sent: number;
  readonly bad: number;
}

/**
 * The pods' environments: their containers' from the specs, with the intervals a pod applies
 * itself shortened by the time scale: the consumer's batch age, the visibility timeout each pod
 * asks for on every receive (so a message of a stopped pod reappears as soon as the shortened
 * queue's would), the preprocess heartbeat, and the long poll after which a preprocess job that
 * finds the queue empty exits.
 */
export function podEnvironments(
  specs: LocalWorkloadSpecs,
  timeScale: number,
): { consumerEnv: Record<string, string>; preprocessEnv: Record<string, string> } {
  const scaled = (value: string | undefined, fallback: string | number | undefined) =>
    Math.round(Number(value ?? fallback) * timeScale);
  const consumer: CommandEnvVars<"consume"> = specs.env.consumer;
  const preprocess: CommandEnvVars<"preprocess"> = specs.env.preprocess;
  const preprocessDefaults = envDefaults("preprocess");
  const age = Math.max(
    0.5,
    Number(consumer.BATCH_MAX_AGE_SECONDS ?? CONSUMER_DEFAULTS.batchMaxAgeSeconds) * timeScale,
  );
  // The consumer refuses a visibility timeout shorter than the contract's rule for its batch age.
  const consumerVisibility = Math.max(
    Math.ceil(minVisibilityTimeoutSeconds(age)),
    scaled(consumer.VISIBILITY_TIMEOUT_SECONDS, CONSUMER_DEFAULTS.visibilityTimeoutSeconds),
  );
  const preprocessVisibility = Math.max(
    10,
    scaled(preprocess.VISIBILITY_TIMEOUT_SECONDS, preprocessDefaults.VISIBILITY_TIMEOUT_SECONDS),
  );
  return {
    consumerEnv: {
      ...specs.env.consumer,
      ...({
        BATCH_MAX_AGE_SECONDS: String(age),
        VISIBILITY_TIMEOUT_SECONDS: String(consumerVisibility),
      } satisfies CommandEnvVars<"consume">),
    },
    preprocessEnv: {
      ...specs.env.preprocess,
      ...({
        WAIT_TIME_SECONDS: String(
          Math.max(1, scaled(preprocess.WAIT_TIME_SECONDS, preprocessDefaults.WAIT_TIME_SECONDS)),
        ),
        VISIBILITY_TIMEOUT_SECONDS: String(preprocessVisibility),
        HEARTBEAT_SECONDS: String(Math.max(1, Math.floor(preprocessVisibility / 3))),
      } satisfies CommandEnvVars<"preprocess">),
    },
  };
}

/** Something running in the background that the run waits for. */
interface Tracker {
  readonly finished: boolean;
  /** Why it went wrong, if it did. */
  readonly failure: string | undefined;
}

/**
 * Starts the producer Deployment's pods with their spec's environment and this run's count, rate
 * and share of invalid events.
 */
function startProducers(
  wl: Workloads,
  specs: LocalWorkloadSpecs,
  stackBadRatio: number,
  options: LocalOptions,
  note: (text: string) => void,
): Tracker & { readonly count: number } {
  const counts = splitEvents(options.events, Math.max(1, specs.producerReplicas));
  const badRatio = options.badRatio ?? stackBadRatio;
  const state = { finished: counts.length === 0, failure: undefined as string | undefined };
  void wl
    .startProducers(
      counts.map((total) => ({
        ...specs.env.producer,
        ...({
          EVENTS_TOTAL: String(total),
          EVENTS_PER_SECOND: String(options.rate / counts.length),
          BAD_EVENT_RATIO: String(badRatio),
        } satisfies CommandEnvVars<"produce">),
      })),
    )
    .then((exits) => {
      state.finished = true;
      const bad = exits.find((e) => e.code !== 0);
      if (bad) state.failure = `a producer exited with code ${bad.code ?? bad.signal}`;
    });
  if (counts.length > 0) {
    note(
      `${counts.length} producer(s): ${options.events} events at ${options.rate}/s, ` +
        `${badRatio * 100}% invalid`,
    );
  }
  return {
    count: counts.length,
    get finished() {
      return state.finished;
    },
    get failure() {
      return state.failure;
    },
  };
}

/** Uploads `files` one after the other, each followed by the S3 event its notification sends. */
function startUploads(
  files: readonly SeedFile[],
  target: NotifierTarget,
  note: (text: string) => void,
): Tracker & { readonly uploaded: readonly string[] } {
  const uploaded: string[] = [];
  const state = { finished: false, failure: undefined as string | undefined };
  const nextSequencer = sequencerSource();
  (async () => {
    for (const file of files) {
      await uploadAndNotify(target, file.key, file.body, nextSequencer);
      uploaded.push(file.key);
    }
  })().then(
    () => {
      state.finished = true;
      if (files.length > 0) {
        note(`uploaded ${files.length} file(s) to ${target.bucket}/input/, one S3 event each`);
      }
    },
    (err: unknown) => {
      state.finished = true;
      state.failure = `upload failed: ${err instanceof Error ? err.message : String(err)}`;
    },
  );
  return {
    uploaded,
    get finished() {
      return state.finished;
    },
    get failure() {
      return state.failure;
    },
  };
}

/** Runs local mode with `options`; never throws for a failed run, only for a broken setup. */
export async function runLocal(options: LocalOptions, io: RunIo): Promise<RunSummary> {
  const t0 = Date.now();
  const elapsed = () => Date.now() - t0;
  const stack = loadStack(options.stack, io.root);
  const { settings } = stack;
  const view = new LiveView(io.out, io.tty);
  const note = (text: string) => view.note(elapsed(), text);

  const logDir =
    options.logDir ??
    path.join(io.root, ".local-run", new Date(t0).toISOString().replace(/[:.]/g, "-"));
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "processes.log");
  const log: WriteStream = createWriteStream(logFile);

  const emulator = await startEmulator(settings.region);
  const clients = emulatorClients(emulator.endpoint, settings.region);
  let workloads: Workloads | undefined;
  try {
    const resources = await createResources(clients, stack.names, settings, options.timeScale);
    const specs = localWorkloadSpecs(settings, resources);
    const rules = timeScaled(specs.rules, options.timeScale);
    validateScaledObjectRules(rules.consumer);
    note(
      `emulator on ${emulator.endpoint}; stack ${stack.name}: queues ${stack.names.preprocessQueue}, ` +
        `${stack.names.eventsQueue} (+DLQs), buckets ${stack.names.rawBucket}, ` +
        `${stack.names.processedBucket}, ${stack.names.eventsBucket}`,
    );
    note(
      `scaling: consumer ScaledObject ${rules.consumer.minReplicas}..${rules.consumer.maxReplicas} ` +
        `replicas, ${rules.consumer.queueLength} msgs/replica, poll ${rules.consumer.pollingInterval}s, ` +
        `cooldown ${rules.consumer.cooldownPeriod}s; preprocess ScaledJob max ` +
        `${rules.preprocess.maxReplicaCount} jobs, ${rules.preprocess.targetQueueLength} msg/job, ` +
        `${rules.preprocess.scalingStrategy}, poll ${rules.preprocess.pollingInterval}s ` +
        `(time scale ${options.timeScale})`,
    );
    const setupSeconds = elapsed() / 1000;

    const producerReports: ProducerReport[] = [];
    const launcher: Launcher = {
      node: process.execPath,
      processorBin: path.join(io.root, "processor", "bin", "processor.js"),
      env: launcherEnv(emulator.endpoint, settings.region),
      log,
      onLog: (_child, record) => {
        if (record.msg === "producer stopped" && typeof record.sent === "number") {
          producerReports.push({
            sent: record.sent,
            bad: typeof record.bad === "number" ? record.bad : 0,
          });
        }
      },
    };
    const wl = new Workloads(
      (name, command, env) => spawnProcessor(launcher, name, command, env),
      {
        ...podEnvironments(specs, options.timeScale),
        backoffLimit: rules.preprocess.backoffLimit,
        activeDeadlineMs: rules.preprocess.activeDeadlineSeconds * 1000,
        graceMs: Math.max(specs.graceMs.consumer, specs.graceMs.preprocess),
        timeScale: options.timeScale,
      },
      note,
    );
    workloads = wl;

    const producers = startProducers(wl, specs, settings.workloads.badEventRatio, options, note);

    const files = seedFiles({
      files: options.files,
      badFile: options.badFile,
      minRows: options.minRows,
      maxRows: options.maxRows,
      seed: options.seed,
    });
    const uploads = startUploads(
      files,
      {
        ...clients,
        region: settings.region,
        bucket: resources.rawBucket,
        queueUrl: resources.preprocessQueueUrl,
      },
      note,
    );

    // The scaler: KEDA's two loops on the live queue depths.
    const depth = {
      preprocess: EMPTY,
      events: EMPTY,
      preprocessDlq: 0,
      eventsDlq: 0,
    };
    const loops = startScalers(rules, resources, clients.sqs, wl, note, depth);

    const progress = new ProgressReader(
      clients.s3,
      resources.processedBucket,
      resources.eventsBucket,
      () => uploads.uploaded,
    );
    let phase = "working";
    const snapshot = (): Snapshot => {
      const jobs = wl.jobStatistics();
      const consumers = wl.consumerStatistics();
      const p = progress.current;
      return {
        elapsedMs: elapsed(),
        phase,
        preprocessQueue: depth.preprocess,
        preprocessDlq: depth.preprocessDlq,
        eventsQueue: depth.events,
        eventsDlq: depth.eventsDlq,
        jobs: {
          running: jobs.running,
          max: rules.preprocess.maxReplicaCount,
          succeeded: jobs.succeeded,
          failed: jobs.failed,
          strategy: rules.preprocess.scalingStrategy,
        },
        consumers: {
          replicas: consumers.replicas,
          max: rules.consumer.maxReplicas,
          terminating: consumers.terminating,
        },
        files: {
          uploaded: uploads.uploaded.length,
          total: files.length,
          outputs: p.outputs,
          errors: p.errors,
        },
        events: {
          target: options.events,
          produced: producers.finished
            ? producerReports.reduce((s, r) => s + r.sent, 0)
            : undefined,
          stored: p.stored,
          quarantined: p.quarantined,
        },
      };
    };
    const viewer = every(
      io.tty ? 250 : 500,
      async () => {
        try {
          const [pd, ed] = await Promise.all([
            queueDepth(clients.sqs, resources.preprocessDlqUrl),
            queueDepth(clients.sqs, resources.eventsDlqUrl),
          ]);
          depth.preprocessDlq = pd.visible + pd.inFlight;
          depth.eventsDlq = ed.visible + ed.inFlight;
          await progress.read();
        } catch {
          // The emulator is going away at shutdown; the next tick or the accounting reports.
        }
        view.update(snapshot());
      },
      loopError(note, "live view"),
    );

    // Wait: drained (all work done and stored), then back to zero pods (the consumer's cooldown).
    const deadline = new AbortController();
    const limit = options.timeoutSeconds ?? defaultTimeoutSeconds(options.timeScale);
    const timeout = setTimeout(() => deadline.abort(`timed out after ${limit} s`), limit * 1000);
    const stop = AbortSignal.any([io.signal, deadline.signal]);
    // The scaler's samples may predate the last upload or send: decide on a fresh reading.
    const drained = async () => {
      if (!(uploads.finished && producers.finished && wl.jobCounts().running === 0)) return false;
      try {
        const [p, e] = await Promise.all([
          queueDepth(clients.sqs, resources.preprocessQueueUrl),
          queueDepth(clients.sqs, resources.eventsQueueUrl),
        ]);
        return p.visible + p.inFlight === 0 && e.visible + e.inFlight === 0;
      } catch {
        return false;
      }
    };
    const workStart = Date.now();
    while (!stop.aborted && !(await drained())) await pause(200, stop);
    const workSeconds = (Date.now() - workStart) / 1000;
    const zeroStart = Date.now();
    if (!stop.aborted) {
      phase = "drained; waiting for the scaler to take the consumers back to zero";
      note(`all queues drained after ${workSeconds.toFixed(1)} s of work`);
      while (!stop.aborted && !wl.idle && rules.consumer.minReplicas === 0) await pause(100, stop);
    }
    const scaleToZeroSeconds = (Date.now() - zeroStart) / 1000;
    const backToZero = wl.idle;
    clearTimeout(timeout);
    const aborted = stop.aborted ? String(stop.reason) : (producers.failure ?? uploads.failure);

    phase = "stopping";
    await loops.stop();
    await viewer.stop();
    view.clear();
    await wl.stopAll();

    const produced = producerReports.reduce((s, r) => s + r.sent, 0);
    const producedInvalid = producerReports.reduce((s, r) => s + r.bad, 0);
    const expected: ExpectedFile[] = files.map((f) => ({
      key: f.key,
      rows: f.rows,
      expectError: f.expectError,
    }));
    const accounting = await collectAccounting(clients, resources, {
      files: expected,
      produced,
      producedInvalid: producerReports.length === producers.count ? producedInvalid : undefined,
      expectedDlqs: { preprocess: 0, events: 0 },
    });
    const jobs = wl.jobStatistics();
    const consumers = wl.consumerStatistics();
    return {
      ok: accounting.ok && aborted === undefined,
      stack: stack.name,
      timeScale: options.timeScale,
      timings: {
        totalSeconds: elapsed() / 1000,
        setupSeconds,
        workSeconds,
        scaleToZeroSeconds,
      },
      aborted,
      accounting,
      producedInvalid,
      scaling: {
        jobsStarted: jobs.started,
        jobsSucceeded: jobs.succeeded,
        jobsFailed: jobs.failed,
        jobRetries: jobs.retries,
        peakRunningJobs: jobs.peakRunning,
        peakConsumers: consumers.peakReplicas,
        consumerRestarts: consumers.restarts,
        backToZero,
        consumerMinReplicas: rules.consumer.minReplicas,
      },
      logFile: path.relative(io.root, logFile),
    };
  } finally {
    await workloads?.stopAll();
    clients.s3.destroy();
    clients.sqs.destroy();
    await emulator.stop();
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/** The two KEDA loops: each polls its queue every pollingInterval and applies its decision. */
function startScalers(
  rules: ScalingRules,
  resources: LocalResources,
  sqs: Parameters<typeof queueDepth>[0],
  wl: Workloads,
  note: (text: string) => void,
  depth: { preprocess: QueueDepth; events: QueueDepth },
): { stop(): Promise<void> } {
  let consumerState = initialScaledObjectState(rules.consumer);
  wl.setConsumerReplicas(consumerState.replicas);
  const consumerLoop = every(
    rules.consumer.pollingInterval * 1000,
    async () => {
      try {
        depth.events = await queueDepth(sqs, resources.eventsQueueUrl);
      } catch {
        return;
      }
      const metric = sqsMetric(depth.events, rules.consumer.scaleOnInFlight);
      const before = consumerState.replicas;
      const decision = stepScaledObject(rules.consumer, consumerState, metric, Date.now());
      consumerState = decision.state;
      if (consumerState.replicas !== before) {
        note(
          `consumer ScaledObject: ${before} -> ${consumerState.replicas} replicas ` +
            `(${decision.reason}; metric ${metric} = visible ${depth.events.visible} + in flight ` +
            `${depth.events.inFlight}, target ${rules.consumer.queueLength}/replica)`,
        );
      }
      wl.setConsumerReplicas(consumerState.replicas);
    },
    loopError(note, "consumer ScaledObject"),
  );
  const jobLoop = every(
    rules.preprocess.pollingInterval * 1000,
    async () => {
      try {
        depth.preprocess = await queueDepth(sqs, resources.preprocessQueueUrl);
      } catch {
        return;
      }
      const metric = sqsMetric(depth.preprocess, rules.preprocess.scaleOnInFlight);
      const jobs = wl.jobCounts();
      const decision = decideScaledJob(rules.preprocess, metric, jobs);
      if (decision.create > 0) {
        note(
          `preprocess ScaledJob: +${decision.create} job(s) (${rules.preprocess.scalingStrategy}; ` +
            `${metric} visible, ${jobs.running} running, max ${rules.preprocess.maxReplicaCount})`,
        );
        wl.createJobs(decision.create);
      }
    },
    loopError(note, "preprocess ScaledJob"),
  );
  return {
    async stop() {
      await Promise.all([consumerLoop.stop(), jobLoop.stop()]);
    },
  };
}
