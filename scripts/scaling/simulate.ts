/**
 * A burst of uploads through one ScaledJob on a virtual clock: an SQS queue (visible and in-flight
 * messages), the Jobs KEDA creates and their pods, and KEDA's poll applying the formulas of
 * `k8s/scaling` (the ones local mode applies). Pure and deterministic: no emulator, no timers, so a
 * whole grid of bursts and start delays runs in milliseconds. Hand-written: no maintained simulator
 * of KEDA's ScaledJob exists; the formulas it calls are replayed against KEDA's own tests.
 *
 * A pod's life: created → Running after `startDelaySeconds` (scheduling, a new node, image pull) →
 * its first receive after `bootSeconds` (Node start, SDK load) → holds a message for
 * `processSeconds`, deletes it and exits; a receive that finds nothing long-polls `waitTimeSeconds`
 * and exits. KEDA counts a job as pending as `getPendingJobCount` does (pkg/scaling/executor/
 * scale_jobs.go): with `pendingPodConditions`, until its pod has them all True (Ready comes from the
 * readiness probe, `probePeriodSeconds` after the condition it tests); without, until Running.
 */
import { decideScaledJob, sqsMetric, type ScaledJobRules } from "../../k8s/scaling";

/** The pods' timing, seconds. */
export interface PodTiming {
  /** Job created → pod Running. */
  readonly startDelaySeconds: number;
  /** Pod Running → its first ReceiveMessage returns. */
  readonly bootSeconds: number;
  /** Message received → results written and the message deleted. */
  readonly processSeconds: number;
  /** Message deleted → pod exited (the Job completes then). */
  readonly exitSeconds: number;
  /** Long poll of a receive that finds nothing, after which the job exits. */
  readonly waitTimeSeconds: number;
  /** The kubelet runs the readiness probe this often. */
  readonly probePeriodSeconds: number;
}

/** One burst. */
export interface BurstScenario {
  readonly uploads: number;
  /** When the burst lands after a KEDA poll (0 ≤ offset < pollingInterval), seconds. */
  readonly arrivalOffsetSeconds: number;
  readonly timing: PodTiming;
  /**
   * The first job to take a message dies holding it (an OOM kill: no release) and its Job fails;
   * the message reappears after `visibilityTimeoutSeconds`.
   */
  readonly crashFirstHolder?: { readonly visibilityTimeoutSeconds: number };
  /** Give up after this many simulated seconds. */
  readonly limitSeconds?: number;
}

/** What happened. */
export interface BurstOutcome {
  readonly jobsStarted: number;
  /** Jobs that found the queue empty and exited without a message. */
  readonly emptyJobs: number;
  /** Burst arrival → last message deleted, seconds (Infinity when the limit came first). */
  readonly drainSeconds: number;
  /** Most jobs alive at once. */
  readonly peakJobs: number;
}

type Phase = "starting" | "booting" | "receiving" | "holding" | "exiting" | "done";

interface Pod {
  phase: Phase;
  /** When the current phase ends (ms); for "receiving", when the long poll gives up. */
  until: number;
  /** When the pod turns Ready when it is gated on holding a message (ms). */
  readyAt: number;
  crashes: boolean;
}

/** Milliseconds, so that every comparison on the clock is exact. */
const ms = (seconds: number) => Math.round(seconds * 1000);

class BurstRun {
  private readonly pods: Pod[] = [];
  private visible = 0;
  private inFlight = 0;
  /** Times (ms) at which in-flight messages of dead jobs become visible again. */
  private readonly reappear: number[] = [];
  private deleted = 0;
  private crashPending: boolean;
  readonly outcome = { jobsStarted: 0, emptyJobs: 0, drainSeconds: Infinity, peakJobs: 0 };

  constructor(
    private readonly rules: ScaledJobRules,
    private readonly scenario: BurstScenario,
  ) {
    this.crashPending = scenario.crashFirstHolder !== undefined;
  }

  run(): BurstOutcome {
    const s = this.scenario;
    const arrival = ms(s.arrivalOffsetSeconds);
    const interval = ms(this.rules.pollingInterval);
    const limit = arrival + ms(s.limitSeconds ?? 24 * 3600);
    let nextPoll = 0;
    let arrived = false;
    let now = 0;
    while (now <= limit) {
      if (!arrived && now >= arrival) {
        this.visible += s.uploads;
        arrived = true;
      }
      this.advancePods(now);
      if (now === nextPoll) {
        this.poll(now);
        nextPoll += interval;
      }
      if (arrived && this.deleted === s.uploads && this.alive() === 0) break;
      now = Math.min(nextPoll, arrived ? Infinity : arrival, ...this.pendingTimes());
    }
    return { ...this.outcome };
  }

  private alive(): number {
    return this.pods.filter((p) => p.phase !== "done").length;
  }

  private pendingTimes(): number[] {
    const times = this.pods.filter((p) => p.phase !== "done").map((p) => p.until);
    return [...times, ...this.reappear];
  }

  /** Applies every transition due by `now`, in time order, until none is left. */
  private advancePods(now: number): void {
    for (;;) {
      const back = this.reappear.filter((t) => t <= now);
      if (back.length) {
        this.reappear.splice(0, this.reappear.length, ...this.reappear.filter((t) => t > now));
        this.inFlight -= back.length;
        this.visible += back.length;
      }
      const due = this.pods.filter(
        (p) => (p.phase !== "done" && p.until <= now) || (p.phase === "receiving" && this.visible),
      );
      if (due.length === 0) return;
      for (const pod of due) this.step(pod, now);
    }
  }

  private step(pod: Pod, now: number): void {
    const t = this.scenario.timing;
    switch (pod.phase) {
      case "starting":
        pod.phase = "booting";
        pod.until += ms(t.bootSeconds);
        return;
      case "booting":
        pod.phase = "receiving";
        pod.until += ms(t.waitTimeSeconds);
        return;
      case "receiving":
        if (this.visible > 0) {
          this.visible--;
          this.inFlight++;
          pod.phase = "holding";
          pod.readyAt = now + ms(t.probePeriodSeconds);
          pod.crashes = this.crashPending;
          this.crashPending = false;
          pod.until = now + ms(pod.crashes ? t.processSeconds / 2 : t.processSeconds);
          return;
        }
        this.outcome.emptyJobs++;
        pod.phase = "done";
        return;
      case "holding":
        if (pod.crashes) {
          // Killed holding its message: nobody releases it until its visibility timeout.
          const timeout = this.scenario.crashFirstHolder?.visibilityTimeoutSeconds ?? 0;
          this.reappear.push(pod.until + ms(timeout));
          pod.phase = "done";
          return;
        }
        this.inFlight--;
        this.deleted++;
        if (this.deleted === this.scenario.uploads) {
          this.outcome.drainSeconds = (pod.until - ms(this.scenario.arrivalOffsetSeconds)) / 1000;
        }
        pod.phase = "exiting";
        pod.until += ms(t.exitSeconds);
        return;
      case "exiting":
        pod.phase = "done";
        return;
      case "done":
        return;
    }
  }

  /** Whether KEDA counts the job of `pod` as pending now. */
  private isPending(pod: Pod, now: number): boolean {
    const running = pod.phase !== "starting";
    const conditions = this.rules.pendingPodConditions;
    if (conditions.length === 0) return !running;
    const ready = this.rules.readyWhenHoldingMessage
      ? pod.phase === "holding" && now >= pod.readyAt
      : running && pod.phase !== "exiting";
    // PodScheduled, Initialized and ContainersReady are True from Running on; Ready as above.
    return !conditions.every((c) => (c === "Ready" || c === "ContainersReady" ? ready : running));
  }

  private poll(now: number): void {
    const live = this.pods.filter((p) => p.phase !== "done");
    const jobs = {
      running: live.length,
      pending: live.filter((p) => this.isPending(p, now)).length,
    };
    const metric = sqsMetric(
      { visible: this.visible, inFlight: this.inFlight },
      this.rules.scaleOnInFlight,
    );
    const { create } = decideScaledJob(this.rules, metric, jobs);
    const t = this.scenario.timing;
    for (let i = 0; i < create; i++) {
      this.pods.push({
        phase: "starting",
        until: now + ms(t.startDelaySeconds),
        readyAt: 0,
        crashes: false,
      });
    }
    this.outcome.jobsStarted += create;
    this.outcome.peakJobs = Math.max(this.outcome.peakJobs, live.length + create);
  }
}

/** Runs one burst through a ScaledJob with `rules`. */
export function simulateBurst(rules: ScaledJobRules, scenario: BurstScenario): BurstOutcome {
  if (scenario.arrivalOffsetSeconds < 0 || scenario.arrivalOffsetSeconds >= rules.pollingInterval) {
    throw new RangeError("arrivalOffsetSeconds must be within one polling interval");
  }
  return new BurstRun(rules, scenario).run();
}
