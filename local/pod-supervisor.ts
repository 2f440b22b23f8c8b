/**
 * The local stand-in for the Kubernetes controllers: a Deployment of consumers whose replica count
 * the scaler sets (a pod that dies is replaced, as a ReplicaSet does), the Jobs a ScaledJob creates
 * (a failed pod is retried up to backoffLimit, a pod past activeDeadlineSeconds is stopped and its
 * Job fails), and the producer Deployment (here: run to completion with a fixed number of events).
 */
import { existsSync } from "node:fs";
import type { Child, ChildExit } from "./processes";
import type { JobCounts } from "../k8s/scaling";

/** Starts one pod: `processor <command>` named `name` with `env`. */
export type StartPod = (
  name: string,
  command: string,
  env: Readonly<Record<string, string>>,
) => Child;

/** Grace period between SIGTERM and SIGKILL (Kubernetes' default terminationGracePeriodSeconds). */
export const DEFAULT_GRACE_MS = 30_000;

/** Counters of the Jobs of the ScaledJob. */
export interface JobStats {
  readonly running: number;
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Pods started again after a failed attempt. */
  readonly retries: number;
  readonly peakRunning: number;
}

/** Counters of the consumer Deployment. */
export interface ConsumerStats {
  readonly replicas: number;
  readonly terminating: number;
  /** Pods replaced after an unexpected exit. */
  readonly restarts: number;
  readonly peakReplicas: number;
}

interface Job {
  readonly id: number;
  attempts: number;
  pod: Child;
  deadline: NodeJS.Timeout | undefined;
  /** The back-off before the next pod, while one is pending. */
  retry: NodeJS.Timeout | undefined;
  timedOut: boolean;
  /** The current pod's ready file, when readiness is gated on holding a message. */
  readyFile: string | undefined;
}

/** Workload settings the controllers need. */
export interface WorkloadSpec {
  readonly consumerEnv: Readonly<Record<string, string>>;
  readonly preprocessEnv: Readonly<Record<string, string>>;
  readonly backoffLimit: number;
  /** A job's deadline, ms. */
  readonly activeDeadlineMs: number;
  readonly graceMs: number;
  /** Factor applied to back-off delays (the run's time scale). */
  readonly timeScale: number;
  /**
   * Where the job pod `name` creates its READY_FILE, when the ScaledJob counts a job as pending
   * until its pod is Ready and the pod is Ready once it holds its message (the readiness probe
   * tests for that file); absent: a job is pending until its pod has booted (KEDA's default).
   */
  readonly readyFileFor?: (podName: string) => string;
}

/** The pods of one local run. */
export class PodSupervisor {
  private readonly consumers: Child[] = [];
  private readonly terminating = new Set<Child>();
  private readonly jobs = new Map<number, Job>();
  private readonly producers: Child[] = [];
  private consumerSeq = 0;
  private jobSeq = 0;
  private closed = false;
  private crashStreak = 0;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private jobStats = { started: 0, succeeded: 0, failed: 0, retries: 0, peakRunning: 0 };
  private consumerStats = { restarts: 0, peakReplicas: 0 };

  constructor(
    private readonly start: StartPod,
    private readonly spec: WorkloadSpec,
    /** Told about failed Jobs and crashed pods (for the view's log). */
    private readonly onEvent: (text: string) => void = () => {},
  ) {}

  /** Running producers and how they end. */
  startProducers(envs: readonly Readonly<Record<string, string>>[]): Promise<ChildExit[]> {
    const started = envs.map((env, i) => this.start(`producer-${i + 1}`, "produce", env));
    this.producers.push(...started);
    return Promise.all(started.map((p) => p.exit));
  }

  /** Producers still running. */
  get producersRunning(): number {
    return this.producers.filter((p) => !p.exited).length;
  }

  /** Sets the consumer Deployment's replica count: start pods, or stop the newest. */
  setConsumerReplicas(replicas: number): void {
    if (this.closed) return;
    while (this.consumers.length < replicas) this.consumers.push(this.startConsumer());
    while (this.consumers.length > replicas) {
      const pod = this.consumers.pop();
      if (pod) this.terminate(pod);
    }
    this.consumerStats.peakReplicas = Math.max(
      this.consumerStats.peakReplicas,
      this.consumers.length,
    );
  }

  private startConsumer(): Child {
    const pod = this.start(`consumer-${++this.consumerSeq}`, "consume", this.spec.consumerEnv);
    void pod.exit.then((exit) => {
      const index = this.consumers.indexOf(pod);
      if (index < 0 || pod.stopping || this.closed) return;
      // A pod that exits without being asked to is replaced (the ReplicaSet keeps the count), after
      // the kubelet's crash-loop back-off: 10 s, doubling up to 5 min (times the time scale).
      const delay = Math.min(300_000, 10_000 * 2 ** this.crashStreak) * this.spec.timeScale;
      this.crashStreak++;
      this.consumerStats.restarts++;
      this.onEvent(
        `${pod.name} exited (${exit.code ?? exit.signal}); restarting in ${(delay / 1000).toFixed(1)} s`,
      );
      const placeholder = setTimeout(() => {
        this.restartTimers.delete(placeholder);
        const i = this.consumers.indexOf(pod);
        if (i >= 0 && !this.closed) this.consumers[i] = this.startConsumer();
      }, delay);
      this.restartTimers.add(placeholder);
    });
    return pod;
  }

  private terminate(pod: Child): void {
    this.terminating.add(pod);
    void pod.stop(this.spec.graceMs).then(() => this.terminating.delete(pod));
  }

  /** Creates `count` Jobs, each running one preprocess pod. */
  createJobs(count: number): void {
    for (let i = 0; i < count && !this.closed; i++) {
      const id = ++this.jobSeq;
      const job: Job = {
        id,
        attempts: 0,
        pod: undefined as unknown as Child,
        deadline: undefined,
        retry: undefined,
        timedOut: false,
        readyFile: undefined,
      };
      job.deadline = setTimeout(() => {
        job.timedOut = true;
        if (job.retry === undefined) {
          void job.pod.stop(this.spec.graceMs);
          return;
        }
        // Waiting out a back-off: the Job fails now and starts no other pod.
        this.clearRetry(job);
        this.finishJob(job, false);
      }, this.spec.activeDeadlineMs);
      this.jobs.set(id, job);
      this.jobStats.started++;
      this.runAttempt(job);
    }
    this.jobStats.peakRunning = Math.max(this.jobStats.peakRunning, this.jobs.size);
  }

  private runAttempt(job: Job): void {
    job.attempts++;
    const suffix = job.attempts > 1 ? `-retry${job.attempts - 1}` : "";
    const name = `preprocess-${job.id}${suffix}`;
    job.readyFile = this.spec.readyFileFor?.(name);
    const env = job.readyFile
      ? { ...this.spec.preprocessEnv, READY_FILE: job.readyFile }
      : this.spec.preprocessEnv;
    job.pod = this.start(name, "preprocess", env);
    void job.pod.exit.then((exit) => {
      // Past its deadline a Job fails (DeadlineExceeded), however its pod exited on SIGTERM.
      const ok = exit.code === 0 && !job.timedOut;
      if (!ok && !job.timedOut && !this.closed && job.attempts <= this.spec.backoffLimit) {
        // The Job controller's back-off before a new pod: 10 s, doubling (times the time scale).
        const delay = 10_000 * 2 ** (job.attempts - 1) * this.spec.timeScale;
        this.jobStats.retries++;
        this.onEvent(
          `${job.pod.name} failed (exit ${exit.code ?? exit.signal}); new pod in ${(delay / 1000).toFixed(1)} s`,
        );
        job.retry = setTimeout(() => {
          this.clearRetry(job);
          if (!this.closed) this.runAttempt(job);
        }, delay);
        this.restartTimers.add(job.retry);
        return;
      }
      this.finishJob(job, ok, `exit ${exit.code ?? exit.signal}`);
    });
  }

  private clearRetry(job: Job): void {
    if (job.retry === undefined) return;
    clearTimeout(job.retry);
    this.restartTimers.delete(job.retry);
    job.retry = undefined;
  }

  /** The Job is over: succeeded, or failed (its deadline passed, or its last pod failed). */
  private finishJob(job: Job, ok: boolean, exitReason = ""): void {
    clearTimeout(job.deadline);
    this.jobs.delete(job.id);
    if (ok) {
      this.jobStats.succeeded++;
      return;
    }
    this.jobStats.failed++;
    const why = job.timedOut ? "deadline exceeded" : exitReason;
    this.onEvent(`job preprocess-${job.id} failed after ${job.attempts} attempt(s) (${why})`);
  }

  /**
   * Unfinished Jobs, as KEDA counts them. Pending: with ready files, those whose pod is not Ready
   * (no file yet, as the readiness probe sees it, or exited); otherwise those whose pod has not
   * booted yet (or is waiting out a retry back-off), KEDA's "no pod Running or Succeeded".
   */
  jobCounts(): JobCounts {
    let pending = 0;
    for (const job of this.jobs.values()) {
      const up = job.readyFile ? existsSync(job.readyFile) : job.pod.booted;
      if (!up || job.pod.exited) pending++;
    }
    return { running: this.jobs.size, pending };
  }

  /** Counters of the ScaledJob's Jobs. */
  jobStatistics(): JobStats {
    return { running: this.jobs.size, ...this.jobStats };
  }

  /** Counters of the consumer Deployment. */
  consumerStatistics(): ConsumerStats {
    return {
      replicas: this.consumers.length,
      terminating: this.terminating.size,
      ...this.consumerStats,
    };
  }

  /** Whether no pod of any workload is running. */
  get idle(): boolean {
    return (
      this.consumers.length === 0 &&
      this.terminating.size === 0 &&
      this.jobs.size === 0 &&
      this.producersRunning === 0
    );
  }

  /** Stops every pod (SIGTERM, SIGKILL after the grace period) and starts no new ones. */
  async stopAll(graceMs = this.spec.graceMs): Promise<void> {
    this.closed = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    const pods: Child[] = [
      ...this.consumers.splice(0),
      ...this.terminating,
      ...[...this.jobs.values()].map((j) => j.pod),
      ...this.producers,
    ];
    for (const job of this.jobs.values()) clearTimeout(job.deadline);
    await Promise.all(pods.map((p) => p.stop(graceMs)));
  }
}
