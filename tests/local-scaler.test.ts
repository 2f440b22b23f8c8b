/**
 * The local scaler against KEDA's documented behaviour (keda.sh docs 2.x: "ScaledJob
 * specification" — maxReplicaCount table and scalingStrategy formulas; "ScaledObject
 * specification" / "Scaling Deployments" — activation, cooldownPeriod, HPA proportional scaling;
 * aws-sqs-queue scaler — scaleOnInFlight).
 */
import path from "node:path";
import { consumerScaledObjectSpec } from "../k8s/specs/keda";
import { loadStack } from "../local/stack";
import {
  cooldownElapsed,
  hpaDesiredReplicasOfAll,
  scaledObjectMetrics,
  scaledObjectRules,
  decideScaledJob,
  hpaDesiredReplicas,
  initialScaledObjectState,
  sqsMetric,
  stepScaledObject,
  validateScaledObjectRules,
  type ScaledJobRules,
  type ScaledObjectRules,
  type ScaledObjectState,
} from "../k8s/scaling";

const consumer: ScaledObjectRules = {
  queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/events",
  awsRegion: "eu-west-1",
  pollingInterval: 15,
  cooldownPeriod: 120,
  minReplicas: 0,
  maxReplicas: 5,
  queueLength: 500,
  activationQueueLength: 0,
  scaleOnInFlight: true,
  scaleDownStabilizationSeconds: 60,
  moreTriggers: [],
};

/** Replays `metrics` (one per poll, `every` seconds apart) and returns the replicas after each. */
function replay(
  rules: ScaledObjectRules,
  metrics: readonly number[],
  every = rules.pollingInterval,
  start: ScaledObjectState = initialScaledObjectState(rules),
): number[] {
  let state = start;
  return metrics.map((metric, i) => {
    state = stepScaledObject(rules, state, metric, i * every * 1000).state;
    return state.replicas;
  });
}

describe("aws-sqs-queue metric", () => {
  it("counts in-flight messages only with scaleOnInFlight", () => {
    expect(sqsMetric({ visible: 7, inFlight: 3 }, true)).toBe(10);
    expect(sqsMetric({ visible: 7, inFlight: 3 }, false)).toBe(7);
  });
});

describe("ScaledObject (KEDA activation and cooldown around the HPA)", () => {
  it("stays at zero while the metric is not above the activation value", () => {
    const rules = { ...consumer, activationQueueLength: 10 };
    expect(replay(rules, [0, 5, 10])).toEqual([0, 0, 0]);
  });

  it("scales from zero to one replica on activation, then the HPA takes over", () => {
    // 1,600 messages at 500 per replica: KEDA activates (1), the HPA then asks for ceil(3.2) = 4.
    expect(replay(consumer, [1600, 1600])).toEqual([1, 4]);
    const d = stepScaledObject(consumer, initialScaledObjectState(consumer), 1600, 0);
    expect(d.reason).toBe("activated");
  });

  it("activates to minReplicaCount when that is above one", () => {
    const rules = { ...consumer, minReplicas: 2 };
    const zero: ScaledObjectState = { replicas: 0, recommendations: [] };
    expect(replay(rules, [1], rules.pollingInterval, zero)).toEqual([2]);
  });

  it("never exceeds maxReplicaCount", () => {
    expect(replay(consumer, [100000, 100000, 100000])).toEqual([1, 5, 5]);
    expect(hpaDesiredReplicas(consumer, 1_000_000, 5)).toBe(5);
  });

  it("keeps the replica count while the metric is within the HPA's 10 % tolerance", () => {
    // 4 replicas × 500 = 2,000 target; 2,150 is 7.5 % above: no change. 2,300 is 15 % above: 5.
    expect(hpaDesiredReplicas(consumer, 2150, 4)).toBe(4);
    expect(hpaDesiredReplicas(consumer, 2300, 4)).toBe(5);
  });

  it("scales to zero only once cooldownPeriod has passed since the trigger was last active", () => {
    const rules = { ...consumer, scaleDownStabilizationSeconds: 0 };
    // Active at t=0 s (1 replica) and t=15 s, then empty from t=30 s; cooldown 120 s from t=15 s.
    const metrics = [300, 300, ...Array<number>(9).fill(0)];
    const replicas = replay(rules, metrics);
    // t = 0 … 150 s: the last active poll was at 15 s; KEDA scales to zero once
    // lastActiveTime + cooldown is strictly before now, so at t = 150 s (index 10), not 135 s.
    expect(replicas).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it("counts the cooldown from lastActiveTime strictly (KEDA's Before), and skips it when never active", () => {
    expect(cooldownElapsed(15_000, 120, 135_000)).toBe(false);
    expect(cooldownElapsed(15_000, 120, 135_001)).toBe(true);
    expect(cooldownElapsed(undefined, 120, 0)).toBe(true);
  });

  it("does not scale below minReplicaCount when it is above zero", () => {
    const rules = { ...consumer, minReplicas: 1 };
    // Ten minutes of an empty queue, far beyond the 120 s cooldown: still one replica.
    expect(replay(rules, Array<number>(20).fill(0), 30)).toEqual(Array<number>(20).fill(1));
  });

  it("scales down only to the highest recommendation within the stabilization window", () => {
    // From 4 replicas the metric drops to 500 (1 replica): the 60 s window holds the count at 4.
    const start: ScaledObjectState = {
      replicas: 4,
      lastActiveAt: 0,
      recommendations: [{ at: 0, replicas: 4 }],
    };
    const rules = { ...consumer, pollingInterval: 15 };
    let state = start;
    const seen: number[] = [];
    for (const t of [15, 30, 45, 60, 75]) {
      state = stepScaledObject(rules, state, 500, t * 1000).state;
      seen.push(state.replicas);
    }
    expect(seen).toEqual([4, 4, 4, 1, 1]);
  });

  it("scales up without waiting for the stabilization window", () => {
    const start: ScaledObjectState = {
      replicas: 1,
      lastActiveAt: 0,
      recommendations: [{ at: 0, replicas: 1 }],
    };
    expect(stepScaledObject(consumer, start, 2500, 15000).state.replicas).toBe(5);
  });

  it("rejects rules KEDA would reject", () => {
    expect(() => validateScaledObjectRules({ ...consumer, minReplicas: 6 })).toThrow(
      /minReplicas \(6\) must be at most maxReplicas \(5\)/,
    );
    expect(() => validateScaledObjectRules({ ...consumer, queueLength: 0 })).toThrow(/queueLength/);
  });
});

const job: ScaledJobRules = {
  queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/preprocess",
  awsRegion: "eu-west-1",
  pollingInterval: 10,
  minReplicaCount: 0,
  maxReplicaCount: 100,
  queueLength: 1,
  activationQueueLength: 0,
  scaleOnInFlight: false,
  scalingStrategy: "default",
  backoffLimit: 1,
  activeDeadlineSeconds: 600,
  pendingPodConditions: [],
  readyWhenHoldingMessage: false,
};

describe("ScaledJob (KEDA's job-count formulas)", () => {
  // The maxReplicaCount table of KEDA's ScaledJob specification (default strategy):
  // queue length, max replica count, target average value, running jobs → jobs created.
  it.each([
    [10, 3, 1, 0, 3],
    [10, 3, 2, 0, 3],
    [10, 3, 1, 1, 2],
    [10, 100, 1, 0, 10],
    [4, 3, 5, 0, 1],
  ])(
    "default: queue %i, max %i, target %i, running %i creates %i jobs (KEDA's table)",
    (queue, max, target, running, created) => {
      const rules = { ...job, maxReplicaCount: max, queueLength: target };
      expect(decideScaledJob(rules, queue, { running, pending: 0 }).create).toBe(created);
    },
  );

  it("creates nothing while the trigger is not active", () => {
    expect(decideScaledJob(job, 0, { running: 0, pending: 0 }).create).toBe(0);
    const rules = { ...job, activationQueueLength: 5 };
    expect(decideScaledJob(rules, 5, { running: 0, pending: 0 })).toMatchObject({
      active: false,
      create: 0,
    });
    expect(decideScaledJob(rules, 6, { running: 0, pending: 0 }).create).toBe(6);
  });

  it("default double-counts running jobs when in-flight messages are not counted", () => {
    // 3 jobs hold their messages (in flight, invisible); 3 new messages are visible.
    expect(decideScaledJob(job, 3, { running: 3, pending: 0 }).create).toBe(0);
  });

  it("accurate subtracts only pending jobs, capped at max minus running", () => {
    const rules = { ...job, scalingStrategy: "accurate" as const, maxReplicaCount: 10 };
    // maxScale 3 + 3 running <= 10: 3 - pending.
    expect(decideScaledJob(rules, 3, { running: 3, pending: 0 }).create).toBe(3);
    expect(decideScaledJob(rules, 3, { running: 3, pending: 2 }).create).toBe(1);
    // maxScale 8 + 6 running > 10: only 10 - 6 = 4 more.
    expect(decideScaledJob(rules, 8, { running: 6, pending: 0 }).create).toBe(4);
    expect(decideScaledJob(rules, 8, { running: 10, pending: 0 }).create).toBe(0);
  });

  it("eager fills every free slot up to maxReplicaCount (KEDA's 3 + 3 messages example)", () => {
    // KEDA's example: max 10, 3 jobs running, 3 more messages arrive. default starts none;
    // eager starts 3 (6 running).
    const rules = { ...job, maxReplicaCount: 10 };
    expect(decideScaledJob(rules, 3, { running: 3, pending: 0 }).create).toBe(0);
    const eager = { ...rules, scalingStrategy: "eager" as const };
    expect(decideScaledJob(eager, 3, { running: 3, pending: 0 }).create).toBe(3);
    // min(max - running - pending, maxScale): 10 - 8 - 1 = 1 slot left for 5 messages.
    expect(decideScaledJob(eager, 5, { running: 8, pending: 1 }).create).toBe(1);
  });

  it("custom deducts the configured queue length and share of running jobs", () => {
    const rules = {
      ...job,
      scalingStrategy: "custom" as const,
      maxReplicaCount: 20,
      customScalingQueueLengthDeduction: 1,
      customScalingRunningJobPercentage: 0.5,
    };
    // min(maxScale 10 - 1 - floor(4 × 0.5), 20) = 7.
    expect(decideScaledJob(rules, 10, { running: 4, pending: 0 }).create).toBe(7);
  });

  it("custom without its parameters behaves as default", () => {
    const rules = { ...job, scalingStrategy: "custom" as const, maxReplicaCount: 3 };
    expect(decideScaledJob(rules, 10, { running: 1, pending: 0 }).create).toBe(2);
  });

  it("keeps minReplicaCount jobs running before applying the strategy", () => {
    const rules = { ...job, minReplicaCount: 2 };
    expect(decideScaledJob(rules, 1, { running: 0, pending: 0 }).create).toBe(2);
  });
});

describe("the consumer's ScaledObject as the program deploys it", () => {
  const { settings } = loadStack("prod", path.resolve(__dirname, ".."));
  const rules = scaledObjectRules(
    consumerScaledObjectSpec(settings, {
      eventsQueueUrl: consumer.queueUrl,
      region: consumer.awsRegion,
    }),
  );
  const at = (depth: { visible: number; inFlight: number }, current: number) =>
    hpaDesiredReplicasOfAll(rules, scaledObjectMetrics(rules, depth), current);

  it("does not add replicas for messages held for batching when nothing is waiting", () => {
    // 1,000 events/s held ~15 s on average by consumers that keep up: 15,000 in flight, 0 visible.
    expect(at({ visible: 0, inFlight: 15_000 }, 1)).toBe(
      Math.max(1, settings.keda.consumer.minReplicas),
    );
  });

  it("stays active while replicas hold messages the backlog trigger no longer sees", () => {
    const zeroMin = { ...rules, minReplicas: 0 };
    let state = stepScaledObject(zeroMin, initialScaledObjectState(zeroMin), [10, 10], 0).state;
    for (let t = 1; t < 40; t++) {
      state = stepScaledObject(zeroMin, state, [0, 800], t * 15_000).state;
    }
    expect(state.replicas).toBe(1);
  });

  it("scales out on a backlog, one replica per queueLength visible messages", () => {
    const per = rules.queueLength;
    expect(at({ visible: 6 * per, inFlight: 15_000 }, 1)).toBe(6);
  });
});
