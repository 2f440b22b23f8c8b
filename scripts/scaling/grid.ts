/**
 * The grid issue 18 asks about: bursts of 1, 2, 6, 10, 50 and 500 uploads (at most 10 jobs at once)
 * × pod start delays of 0 s, 2 s and 30 s (a new node), each run for every arrival of the burst
 * within KEDA's polling interval, for the ScaledJob the program deploys and the alternatives it was
 * chosen over. Both `npm run bench:scaling` and `tests/scaling-burst.test.ts` use it.
 */
import { envDefaults } from "@pipeline/processor/contract";
import { parseSettings, type Settings } from "../../config";
import { MOCK_ACCOUNT } from "../../harness/mocks";
import { scaledJobRules, type ScaledJobRules } from "../../k8s/scaling";
import { preprocessReadinessProbe, preprocessScaledJobSpec } from "../../k8s/specs/preprocess";
import { simulateBurst, type BurstOutcome, type PodTiming } from "./simulate";

/** Burst sizes, uploads at once. */
export const BURSTS = [1, 2, 6, 10, 50, 500] as const;

/** Pod start delays, seconds: a warm node, a pull or slow scheduling, a node Karpenter buys. */
export const START_DELAYS = [0, 2, 30] as const;

/** Most jobs at once in the grid (the dev stack's `keda.preprocess.maxReplicaCount`). */
export const GRID_MAX_JOBS = 10;

/** Arrivals of the burst tried per cell, as fractions of the polling interval. */
export const ARRIVAL_STEPS = 10;

/**
 * Pod timing besides the start delay. `bootSeconds`: a preprocess container's start to its first
 * receive (Node, the AWS SDK and danfojs loading; the image test reports about a second to the first
 * log line on this machine, so 2 s is on the slow side, which is what widens the window a
 * not-yet-receiving job is counted in). `processSeconds`: one typical file. The long poll and the
 * probe period are the deployed ones.
 */
export function gridTiming(startDelaySeconds: number): PodTiming {
  return {
    startDelaySeconds,
    bootSeconds: 2,
    processSeconds: 20,
    exitSeconds: 0.5,
    waitTimeSeconds: Number(envDefaults("preprocess").WAIT_TIME_SECONDS),
    probePeriodSeconds: preprocessReadinessProbe().periodSeconds ?? 10,
  };
}

/** The stack settings of the grid: every default, with {@link GRID_MAX_JOBS}. */
export function gridSettings(): Settings {
  return parseSettings({
    region: "eu-west-1",
    keda: { preprocess: { maxReplicaCount: GRID_MAX_JOBS } },
  });
}

const PLACEHOLDER_INPUTS = {
  image: `example/processor@sha256:${"0".repeat(64)}`,
  region: "eu-west-1",
  preprocessQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${MOCK_ACCOUNT}/preprocess`,
  eventsQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${MOCK_ACCOUNT}/events`,
  processedBucketName: "processed",
  eventsBucketName: "events",
};

/** The ScaledJob's rules as the program deploys them for `settings`, read back from its spec. */
export function deployedJobRules(settings: Settings = gridSettings()): ScaledJobRules {
  return scaledJobRules(preprocessScaledJobSpec(settings, PLACEHOLDER_INPUTS).spec);
}

/** A ScaledJob configuration measured in the grid. */
export interface Candidate {
  readonly name: string;
  readonly rules: ScaledJobRules;
}

/**
 * The deployed configuration and the alternatives, all from the same deployed rules:
 * - `before #18`: `accurate`, visible messages only, a job pending until its pod is Running;
 * - `eager`: the other strategy the settings allow, with the deployed pending rule;
 * - `default + in-flight`: `default` over visible + in-flight messages (what KEDA's docs suggest
 *   for scalers that count locked messages), refused by the settings.
 */
export function candidates(deployed: ScaledJobRules = deployedJobRules()): Candidate[] {
  const untilRunning = { pendingPodConditions: [], readyWhenHoldingMessage: false };
  return [
    { name: "deployed", rules: deployed },
    { name: "before #18", rules: { ...deployed, ...untilRunning } },
    { name: "eager", rules: { ...deployed, scalingStrategy: "eager" } },
    {
      name: "default + in-flight",
      rules: { ...deployed, ...untilRunning, scalingStrategy: "default", scaleOnInFlight: true },
    },
  ];
}

/** One cell: the worst of every arrival of the burst within the polling interval. */
export interface CellOutcome extends BurstOutcome {
  readonly uploads: number;
  readonly startDelaySeconds: number;
}

/** Runs one burst size and start delay for every arrival step; keeps the worst of each figure. */
export function runCell(
  rules: ScaledJobRules,
  uploads: number,
  startDelaySeconds: number,
): CellOutcome {
  const outcomes = Array.from({ length: ARRIVAL_STEPS }, (_, i) =>
    simulateBurst(rules, {
      uploads,
      arrivalOffsetSeconds: (rules.pollingInterval * i) / ARRIVAL_STEPS,
      timing: gridTiming(startDelaySeconds),
    }),
  );
  const worst = (f: (o: BurstOutcome) => number) => Math.max(...outcomes.map(f));
  return {
    uploads,
    startDelaySeconds,
    jobsStarted: worst((o) => o.jobsStarted),
    emptyJobs: worst((o) => o.emptyJobs),
    drainSeconds: worst((o) => o.drainSeconds),
    peakJobs: worst((o) => o.peakJobs),
  };
}

/** Every cell of the grid for `rules`, bursts outer, start delays inner. */
export function runGrid(rules: ScaledJobRules): CellOutcome[] {
  return BURSTS.flatMap((uploads) => START_DELAYS.map((d) => runCell(rules, uploads, d)));
}
