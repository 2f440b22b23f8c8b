/**
 * The local stand-in for the Deployment and Job controllers, with fake pods: a failed Job pod is
 * retried up to backoffLimit, a Job past its deadline fails, a crashed consumer is replaced, and a
 * scale-down stops the newest consumers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Child, ChildExit } from "../local/processes";
import { PodSupervisor, type WorkloadSpec } from "../local/pod-supervisor";

/** A pod that exits when the test says so. */
interface FakePod extends Child {
  readonly command: string;
  finish(code: number): void;
}

function fakeStarter() {
  const pods: FakePod[] = [];
  const start = (name: string, command: string): Child => {
    let resolve: (exit: ChildExit) => void = () => {};
    let exited: ChildExit | undefined;
    let stopping = false;
    const exit = new Promise<ChildExit>((r) => (resolve = r));
    const end = (e: ChildExit) => {
      if (exited) return;
      exited = e;
      resolve(e);
    };
    const pod: FakePod = {
      name,
      command,
      pid: pods.length + 1,
      startedAt: Date.now(),
      exit,
      get exited() {
        return exited;
      },
      get booted() {
        return true;
      },
      get stopping() {
        return stopping;
      },
      async stop() {
        stopping = true;
        end({ code: 0, signal: null });
        return exit;
      },
      finish(code: number) {
        end({ code, signal: null });
      },
    };
    pods.push(pod);
    return pod;
  };
  return { pods, start };
}

const spec: WorkloadSpec = {
  consumerEnv: {},
  preprocessEnv: {},
  backoffLimit: 1,
  activeDeadlineMs: 60_000,
  graceMs: 1000,
  // Back-offs of 10 s × 0.0001 = 1 ms.
  timeScale: 0.0001,
};

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe("Jobs", () => {
  it("retry a failed pod up to backoffLimit, then count the Job as failed", async () => {
    const { pods, start } = fakeStarter();
    const notes: string[] = [];
    const wl = new PodSupervisor(start, spec, (t) => notes.push(t));
    wl.createJobs(1);
    pods[0]?.finish(1);
    await tick();
    expect(pods.map((p) => p.name)).toEqual(["preprocess-1", "preprocess-1-retry1"]);
    expect(wl.jobCounts().running).toBe(1);
    pods[1]?.finish(1);
    await tick();
    expect(pods).toHaveLength(2);
    expect(wl.jobStatistics()).toMatchObject({ running: 0, started: 1, failed: 1, retries: 1 });
    expect(notes.some((n) => n.includes("failed after 2 attempt(s)"))).toBe(true);
    await wl.stopAll();
  });

  it("count a Job whose pod exits 0 as succeeded", async () => {
    const { pods, start } = fakeStarter();
    const wl = new PodSupervisor(start, spec);
    wl.createJobs(2);
    expect(wl.jobStatistics()).toMatchObject({ running: 2, peakRunning: 2 });
    pods.forEach((p) => p.finish(0));
    await tick();
    expect(wl.jobStatistics()).toMatchObject({ running: 0, succeeded: 2, failed: 0 });
    await wl.stopAll();
  });

  it("with ready files, count a booted job as pending until its pod's READY_FILE exists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ready-"));
    const envs: Record<string, string>[] = [];
    const { pods, start } = fakeStarter();
    const wl = new PodSupervisor(
      (name, command, env) => {
        envs.push({ ...env });
        return start(name, command);
      },
      { ...spec, readyFileFor: (pod) => join(dir, pod) },
    );
    wl.createJobs(2);
    expect(envs.map((e) => e.READY_FILE)).toEqual([
      join(dir, "preprocess-1"),
      join(dir, "preprocess-2"),
    ]);
    expect(wl.jobCounts()).toEqual({ running: 2, pending: 2 });
    writeFileSync(join(dir, "preprocess-1"), "");
    expect(wl.jobCounts()).toEqual({ running: 2, pending: 1 });
    // Without ready files a booted pod is not pending.
    expect(new PodSupervisor(start, spec).jobCounts()).toEqual({ running: 0, pending: 0 });
    pods.forEach((p) => p.finish(0));
    await wl.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stop a pod past activeDeadlineSeconds and fail its Job without a retry", async () => {
    const { pods, start } = fakeStarter();
    const wl = new PodSupervisor(start, { ...spec, activeDeadlineMs: 10 });
    wl.createJobs(1);
    await tick(50);
    expect(pods).toHaveLength(1);
    expect(pods[0]?.stopping).toBe(true);
    expect(wl.jobStatistics()).toMatchObject({ running: 0, failed: 1, retries: 0 });
    await wl.stopAll();
  });

  it("fail a Job whose deadline passes during a retry back-off, starting no new pod", async () => {
    const { pods, start } = fakeStarter();
    const notes: string[] = [];
    // Back-off 10 s × 0.01 = 100 ms; the deadline (20 ms) passes while the Job waits it out.
    const wl = new PodSupervisor(start, { ...spec, activeDeadlineMs: 20, timeScale: 0.01 }, (t) =>
      notes.push(t),
    );
    wl.createJobs(1);
    pods[0]?.finish(1);
    await tick(50);
    expect(wl.jobStatistics()).toMatchObject({ running: 0, failed: 1, retries: 1 });
    expect(notes.some((n) => n.includes("failed after 1 attempt(s) (deadline exceeded)"))).toBe(
      true,
    );
    await tick(150);
    expect(pods.map((p) => p.name)).toEqual(["preprocess-1"]);
    await wl.stopAll();
  });
});

describe("consumer Deployment", () => {
  it("starts pods up to the replica count and stops the newest on scale-down", async () => {
    const { pods, start } = fakeStarter();
    const wl = new PodSupervisor(start, spec);
    wl.setConsumerReplicas(3);
    expect(pods.map((p) => p.name)).toEqual(["consumer-1", "consumer-2", "consumer-3"]);
    wl.setConsumerReplicas(1);
    await tick();
    expect(pods.map((p) => p.stopping)).toEqual([false, true, true]);
    expect(wl.consumerStatistics()).toMatchObject({ replicas: 1, peakReplicas: 3, restarts: 0 });
    await wl.stopAll();
  });

  it("replaces a pod that exits without being asked to", async () => {
    const { pods, start } = fakeStarter();
    const notes: string[] = [];
    const wl = new PodSupervisor(start, spec, (t) => notes.push(t));
    wl.setConsumerReplicas(1);
    pods[0]?.finish(1);
    await tick();
    expect(pods.map((p) => p.name)).toEqual(["consumer-1", "consumer-2"]);
    expect(wl.consumerStatistics()).toMatchObject({ replicas: 1, restarts: 1 });
    expect(notes[0]).toMatch(/consumer-1 exited \(1\); restarting in/);
    await wl.stopAll();
    expect(wl.idle).toBe(true);
  });

  it("starts nothing after stopAll", async () => {
    const { pods, start } = fakeStarter();
    const wl = new PodSupervisor(start, spec);
    await wl.stopAll();
    wl.setConsumerReplicas(2);
    wl.createJobs(2);
    expect(pods).toHaveLength(0);
  });
});
