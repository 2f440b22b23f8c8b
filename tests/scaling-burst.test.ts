/**
 * One job per upload: the deployed ScaledJob over the grid of issue 18 (bursts 1…500, max 10 jobs,
 * pod start delays 0/2/30 s, every arrival of the burst within the polling interval), on the virtual
 * clock of `scripts/scaling/simulate.ts` with KEDA 2.20's formulas. Each rule is also checked
 * against the configuration before issue 18, which breaks it: the grid tells them apart.
 */
import {
  ARRIVAL_STEPS,
  BURSTS,
  candidates,
  deployedJobRules,
  GRID_MAX_JOBS,
  gridSettings,
  gridTiming,
  runGrid,
  START_DELAYS,
} from "../scripts/scaling/grid";
import { simulateBurst } from "../scripts/scaling/simulate";
import { preprocessScaledJobSpec } from "../k8s/specs/preprocess";
import type { ScaledJobRules } from "../k8s/scaling";

const byName = (name: string): ScaledJobRules => {
  const found = candidates().find((c) => c.name === name);
  if (!found) throw new Error(`no candidate ${name}`);
  return found.rules;
};
const deployed = deployedJobRules();
const before = byName("before #18");

/** Cells where jobs started differ from uploads, as "uploads@delay: jobs". */
function inexactCells(rules: ScaledJobRules): string[] {
  return runGrid(rules)
    .filter((c) => c.jobsStarted !== c.uploads || c.emptyJobs !== 0)
    .map((c) => `${c.uploads}@${c.startDelaySeconds}s: ${c.jobsStarted}`);
}

describe("the preprocess ScaledJob in a burst", () => {
  it("the grid is the one the issue names: 6 bursts × 3 start delays × 10 arrivals, max 10 jobs", () => {
    expect(BURSTS).toEqual([1, 2, 6, 10, 50, 500]);
    expect(START_DELAYS).toEqual([0, 2, 30]);
    expect(ARRIVAL_STEPS).toBe(10);
    expect(deployed.maxReplicaCount).toBe(GRID_MAX_JOBS);
  });

  it("starts exactly one job per upload in every cell (no job finds the queue empty)", () => {
    expect(inexactCells(deployed)).toEqual([]);
    // The configuration before issue 18 fails this rule.
    expect(inexactCells(before)).not.toEqual([]);
  });

  it("drains every burst no later than the configuration before issue 18", () => {
    const now = runGrid(deployed);
    const then = runGrid(before);
    const slower = now.filter((c, i) => c.drainSeconds > (then[i]?.drainSeconds ?? -Infinity));
    expect(slower).toEqual([]);
    expect(now.every((c) => Number.isFinite(c.drainSeconds))).toBe(true);
  });

  it("never runs more than maxReplicaCount jobs at once", () => {
    for (const c of candidates()) {
      expect(Math.max(...runGrid(c.rules).map((o) => o.peakJobs))).toBeLessThanOrEqual(
        GRID_MAX_JOBS,
      );
    }
  });

  it("counts a job as pending until its pod is Ready, and the pod is Ready once it holds its message", () => {
    expect(deployed).toMatchObject({
      scalingStrategy: "accurate",
      scaleOnInFlight: false,
      queueLength: 1,
      pendingPodConditions: ["Ready"],
      readyWhenHoldingMessage: true,
    });
    const pod = preprocessScaledJobSpec(gridSettings(), {
      image: `x/p@sha256:${"0".repeat(64)}`,
      region: "eu-west-1",
      preprocessQueueUrl: "q",
      eventsQueueUrl: "e",
      processedBucketName: "b",
      eventsBucketName: "c",
    }).spec.jobTargetRef.template.spec;
    const container = pod?.containers[0];
    const readyFile = container?.env?.find((e) => e.name === "READY_FILE")?.value;
    expect(readyFile).toMatch(/^\/tmp\//);
    expect(container?.readinessProbe?.exec?.command).toEqual(["test", "-e", readyFile]);
  });

  it("reproduces what local mode saw before issue 18: 6 uploads, a 1 s poll, 10 jobs", () => {
    // `npm start` at --time-scale 0.1 polls every second; a local pod takes about a second to its
    // first receive. The old rules started 4 jobs that found nothing; the deployed ones do not.
    const local = {
      uploads: 6,
      arrivalOffsetSeconds: 0,
      timing: { ...gridTiming(0), bootSeconds: 1.5 },
    };
    expect(simulateBurst({ ...before, pollingInterval: 1 }, local).jobsStarted).toBe(10);
    expect(simulateBurst({ ...deployed, pollingInterval: 1 }, local).jobsStarted).toBe(6);
  });

  it("a job killed holding its message costs one job more, not a job per poll (why default + in-flight is refused)", () => {
    const crash = {
      uploads: 6,
      arrivalOffsetSeconds: 0,
      timing: gridTiming(0),
      crashFirstHolder: { visibilityTimeoutSeconds: 900 },
    };
    expect(simulateBurst(deployed, crash)).toMatchObject({ jobsStarted: 7, emptyJobs: 0 });
    // Counting in-flight messages, the dead job's message asks for a job at every poll until it
    // reappears; each such job long-polls and exits with nothing.
    expect(simulateBurst(byName("default + in-flight"), crash).emptyJobs).toBeGreaterThan(20);
  });
});
