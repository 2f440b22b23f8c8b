/**
 * A run's set-up: the processes log, the emulator with the stack's buckets and queues, the
 * workloads' specs and scaling rules read back from the program's own objects, and the pod
 * supervisor that starts the real processor commands. {@link RunEnvironment.close} undoes it.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { producerReportOf, type ProducerReport } from "./drivers";
import {
  createResources,
  emulatorClients,
  startEmulator,
  type Emulator,
  type LocalResources,
} from "./emulator";
import type { LocalOptions } from "./options";
import { resultTimeOf } from "./latency";
import { launcherEnv, podEnvironments } from "./pod-env";
import { spawnProcessor, type Launcher } from "./processes";
import { validateScaledObjectRules } from "../k8s/scaling";
import {
  localWorkloadSpecs,
  timeScaled,
  type LocalWorkloadSpecs,
  type ScalingRules,
} from "./specs";
import type { LocalStack } from "./stack";
import { PodSupervisor } from "./pod-supervisor";
import { accessKeyOf, kedaOperatorSqs, startCallRecorder, type CallRecorder } from "./record-calls";

/** The run's machinery outside the pods: its log file and the emulator with its clients. */
export interface RunEnvironment {
  readonly log: WriteStream;
  /** Path of the processes log. */
  readonly logFile: string;
  readonly emulator: Emulator;
  readonly clients: { readonly s3: S3Client; readonly sqs: SQSClient };
  /** Where the workloads reach the emulator: the recording proxy's endpoint when recording. */
  readonly workloadEndpoint: string;
  /** The local KEDA operator's SQS client: its own access key, to {@link workloadEndpoint}. */
  readonly kedaSqs: SQSClient;
  /** With `--record-calls`: the recording. */
  readonly recorder?: CallRecorder;
  /** Closes the clients, stops the emulator and flushes the log. */
  close(): Promise<void>;
}

/** The stack as this run sees it: its resources in the emulator, specs and time-scaled rules. */
export interface RunStack {
  readonly resources: LocalResources;
  readonly specs: LocalWorkloadSpecs;
  readonly rules: ScalingRules;
}

/** The processes log's folder: the one asked for, or `.local-run/<start time>` under `root`. */
export function logDirFor(logDir: string | undefined, root: string, startedAt: number): string {
  return (
    logDir ?? path.join(root, ".local-run", new Date(startedAt).toISOString().replace(/[:.]/g, "-"))
  );
}

/** Opens the processes log and starts the emulator (and the recording proxy, with `record`). */
export async function openRunEnvironment(
  region: string,
  logDir: string,
  record = false,
): Promise<RunEnvironment> {
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "processes.log");
  const log = createWriteStream(logFile);
  const emulator = await startEmulator(region);
  const clients = emulatorClients(emulator.endpoint, region);
  const recorder = record ? await startCallRecorder(emulator.endpoint) : undefined;
  const workloadEndpoint = recorder?.endpoint ?? emulator.endpoint;
  const kedaSqs = kedaOperatorSqs(workloadEndpoint, region);
  return {
    log,
    logFile,
    emulator,
    clients,
    workloadEndpoint,
    kedaSqs,
    ...(recorder ? { recorder } : {}),
    async close() {
      clients.s3.destroy();
      clients.sqs.destroy();
      kedaSqs.destroy();
      await recorder?.proxy.close();
      await emulator.stop();
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}

/** Creates the stack's resources, derives specs and rules, and notes what was set up. */
export async function prepareStack(
  env: RunEnvironment,
  stack: LocalStack,
  timeScale: number,
  note: (text: string) => void,
): Promise<RunStack> {
  const resources = await createResources(env.clients, stack.names, stack.settings, timeScale);
  const specs = localWorkloadSpecs(stack.settings, resources);
  const rules = timeScaled(specs.rules, timeScale);
  validateScaledObjectRules(rules.consumer);
  note(
    `emulator on ${env.emulator.endpoint}; stack ${stack.name}: queues ${stack.names.preprocessQueue}, ` +
      `${stack.names.eventsQueue} (+DLQs), buckets ${stack.names.rawBucket}, ` +
      `${stack.names.processedBucket}, ${stack.names.eventsBucket}`,
  );
  note(
    `scaling: consumer ScaledObject ${rules.consumer.minReplicas}..${rules.consumer.maxReplicas} ` +
      `replicas, ${rules.consumer.queueLength} msgs/replica, poll ${rules.consumer.pollingInterval}s, ` +
      `cooldown ${rules.consumer.cooldownPeriod}s; preprocess ScaledJob max ` +
      `${rules.preprocess.maxReplicaCount} jobs, ${rules.preprocess.queueLength} msg/job, ` +
      `${rules.preprocess.scalingStrategy}, poll ${rules.preprocess.pollingInterval}s ` +
      `(time scale ${timeScale})`,
  );
  return { resources, specs, rules };
}

/**
 * How a run starts processor commands: this Node, the built CLI, the emulator (through the
 * recording proxy when recording), each command signing as its workload, the log.
 */
export function processorLauncher(
  env: RunEnvironment,
  root: string,
  region: string,
  onLog?: Launcher["onLog"],
): Launcher {
  return {
    node: process.execPath,
    processorBin: path.join(root, "processor", "bin", "processor.js"),
    env: launcherEnv(env.workloadEndpoint, region),
    accessKeyFor: accessKeyOf,
    log: env.log,
    onLog,
  };
}

/**
 * The pod supervisor of a run: real `processor` commands reaching the emulator, logging to the
 * processes log; each producer's "producer stopped" report is appended to `producerReports`.
 */
export function createPods(
  env: RunEnvironment,
  run: RunStack,
  options: Pick<LocalOptions, "timeScale">,
  context: {
    readonly root: string;
    readonly region: string;
    readonly producerReports: ProducerReport[];
    /** Filled with the first time each upload key's results were written (ms). */
    readonly resultTimes?: Map<string, number>;
    readonly note: (text: string) => void;
  },
): PodSupervisor {
  const launcher = processorLauncher(env, context.root, context.region, (_child, record) => {
    const report = producerReportOf(record);
    if (report) context.producerReports.push(report);
    const result = resultTimeOf(record);
    if (result && !context.resultTimes?.has(result.key)) {
      context.resultTimes?.set(result.key, result.at);
    }
  });
  const { specs, rules } = run;
  return new PodSupervisor(
    (name, command, podEnv) => spawnProcessor(launcher, name, command, podEnv),
    {
      ...podEnvironments(specs, options.timeScale),
      backoffLimit: rules.preprocess.backoffLimit,
      activeDeadlineMs: rules.preprocess.activeDeadlineSeconds * 1000,
      graceMs: Math.max(specs.graceMs.consumer, specs.graceMs.preprocess),
      timeScale: options.timeScale,
      ...readyFiles(rules, path.dirname(env.logFile)),
    },
    context.note,
  );
}

/**
 * Per-pod ready files under the run's log folder, when the ScaledJob waits for a Ready pod that is
 * Ready once it holds its message (each local pod needs its own file: they share this machine).
 */
function readyFiles(
  rules: ScalingRules,
  logDir: string,
): { readyFileFor?: (podName: string) => string } {
  const p = rules.preprocess;
  if (!p.readyWhenHoldingMessage || !p.pendingPodConditions.includes("Ready")) return {};
  const dir = path.join(logDir, "ready");
  mkdirSync(dir, { recursive: true });
  return { readyFileFor: (podName) => path.join(dir, podName) };
}
