/**
 * KEDA's own unit-test cases for the ScaledJob strategies, replayed against `k8s/scaling`'s
 * formulas. Source: kedacore/keda `pkg/scaling/executor/scale_jobs_test.go` at commit
 * 002180f1ed5554990e79853ff4a51f1ed6185809 (main after the KEDA 2.20 fixes: #7417, `accurate`
 * subtracts pending jobs in its capped branch; #7798, shipped in 2.20.2, `custom` without a
 * deduction deducts 0). Each row is one `GetEffectiveMaxScale(maxScale, running, pending,
 * maxReplicaCount, scaleTo)` assertion of that file; `getScalingDecision`'s minReplicaCount cases
 * follow. The chart pins KEDA 2.20; every case below holds for 2.20.2 (2.20.0/2.20.1 panic on the
 * nil-deduction rows instead, a configuration the settings never produce: `custom` is refused).
 */
import {
  decideScaledJob,
  scalingDecision,
  strategyEffectiveMaxScale,
  type ScaledJobRules,
} from "../k8s/scaling";

const base: ScaledJobRules = {
  queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/preprocess",
  awsRegion: "eu-west-1",
  queueLength: 1,
  activationQueueLength: 0,
  scaleOnInFlight: false,
  pollingInterval: 30,
  minReplicaCount: 0,
  maxReplicaCount: 100,
  scalingStrategy: "default",
  backoffLimit: 0,
  activeDeadlineSeconds: 600,
  pendingPodConditions: [],
  readyWhenHoldingMessage: false,
};

type Strategy = Pick<
  ScaledJobRules,
  "scalingStrategy" | "customScalingQueueLengthDeduction" | "customScalingRunningJobPercentage"
>;

/** [KEDA test, strategy, maxScale, running, pending, maxReplicaCount, effectiveMaxScale, scaleTo]. */
type Row = [string, Strategy, number, number, number, number, number, number];

const def: Strategy = { scalingStrategy: "default" };
const custom = (deduction: number | undefined, pct: number | undefined): Strategy => ({
  scalingStrategy: "custom",
  ...(deduction === undefined ? {} : { customScalingQueueLengthDeduction: deduction }),
  ...(pct === undefined ? {} : { customScalingRunningJobPercentage: pct }),
});
const accurate: Strategy = { scalingStrategy: "accurate" };
const eager: Strategy = { scalingStrategy: "eager" };

// scaleTo is 1 in every call of the Go tests; only eager replaces it (with maxReplicaCount).
const ROWS: Row[] = [
  ["TestDefaultScalingStrategy", def, 3, 2, 0, 5, 1, 1],
  ["TestDefaultScalingStrategy", def, 2, 0, 0, 5, 2, 1],
  ["TestCustomScalingStrategy (deduction 1, 0.5)", custom(1, 0.5), 3, 2, 0, 5, 1, 1],
  ["TestCustomScalingStrategy (deduction 1, 0.5)", custom(1, 0.5), 10, 0, 0, 10, 9, 1],
  [
    "TestCustomScalingStrategy (nil parameters: default)",
    custom(undefined, undefined),
    3,
    2,
    0,
    5,
    1,
    1,
  ],
  [
    "TestCustomScalingStrategy (nil parameters: default)",
    custom(undefined, undefined),
    2,
    0,
    0,
    5,
    2,
    1,
  ],
  ['TestCustomScalingStrategy (percentage "": default)', custom(1, undefined), 3, 2, 0, 5, 1, 1],
  ["TestCustomScalingStrategy (deduction 2, 0)", custom(2, 0), 3, 2, 0, 5, 1, 1],
  ["TestCustomScalingStrategy (exceeds max: -2, 0)", custom(-2, 0), 3, 2, 0, 4, 4, 1],
  ["TestCustomScalingStrategyNilQueueLengthDeduction", custom(undefined, 0.5), 3, 2, 0, 5, 2, 1],
  ["TestCustomScalingStrategyNilQueueLengthDeduction", custom(undefined, 0.5), 10, 0, 0, 10, 10, 1],
  ["TestAccurateScalingStrategy", accurate, 3, 2, 0, 5, 3, 1],
  ["TestAccurateScalingStrategy", accurate, 5, 2, 0, 5, 3, 1],
  ["TestAccurateScalingStrategy (2 pending)", accurate, 3, 4, 2, 10, 1, 1],
  ["TestAccurateScalingStrategy (2 pending)", accurate, 5, 4, 2, 5, 1, 1],
  ["TestAccurateScalingStrategy (3 running are pending)", accurate, 3, 3, 3, 5, 0, 1],
  ["TestAccurateScalingStrategy (higher numbers)", accurate, 15, 15, 15, 20, 0, 1],
  ["TestAccurateScalingStrategy (different numbers)", accurate, 10, 10, 10, 15, 0, 1],
  ["TestAccurateScalingStrategy (partially pending)", accurate, 20, 15, 10, 20, 5, 1],
  ["TestEagerScalingStrategy", eager, 4, 3, 0, 10, 4, 10],
  ["TestEagerScalingStrategy", eager, 4, 0, 3, 10, 4, 10],
  ["TestEagerScalingStrategy", eager, 4, 7, 0, 10, 3, 10],
  ["TestEagerScalingStrategy", eager, 4, 1, 6, 10, 3, 10],
  ["TestEagerScalingStrategy", eager, 15, 0, 0, 10, 10, 10],
];

describe("KEDA 2.20 ScaledJob strategies (scale_jobs_test.go, replayed)", () => {
  it.each(ROWS)(
    "%s: %j maxScale %i, running %i, pending %i, max %i → effective %i, scaleTo %i",
    (_test, strategy, maxScale, running, pending, max, effective, scaleTo) => {
      const rules = { ...base, ...strategy, maxReplicaCount: max };
      expect(strategyEffectiveMaxScale(rules, maxScale, { running, pending }, 1)).toEqual({
        effectiveMaxScale: effective,
        scaleTo,
      });
    },
  );

  // getMockScaledJobWithMinReplicaCountAndDefaultStrategy: maxReplicaCount 100, default strategy.
  it.each([
    ["TestRunningJobCountSmallerMinReplicaCount", 2, 0, 0, 0, 2, 2],
    ["TestRunningJobCountIsDeductedFromMinReplicaCount", 2, 1, 0, 0, 1, 1],
    ["TestRunningJobCountGreaterOrEqualMinReplicaCountExecutesScalingStrategy", 1, 1, 2, 2, 2, 2],
  ])(
    "%s: min %i, running %i, scaleTo %i, maxScale %i → effective %i, scaleTo %i",
    (_test, min, running, scaleTo, maxScale, effective, outScaleTo) => {
      const rules = { ...base, minReplicaCount: min };
      expect(scalingDecision(rules, { running, pending: 0 }, scaleTo, maxScale)).toEqual({
        effectiveMaxScale: effective,
        scaleTo: outScaleTo,
      });
    },
  );
});

describe("KEDA 2.20 ScaledJob poll (IsScaledJobActive + RequestJobScale)", () => {
  it("a minReplicaCount above zero keeps the ScaledJob active on an empty queue", () => {
    const rules = { ...base, minReplicaCount: 1 };
    expect(decideScaledJob(rules, 0, { running: 0, pending: 0 })).toMatchObject({
      active: true,
      create: 1,
    });
    expect(decideScaledJob(rules, 0, { running: 1, pending: 0 }).create).toBe(0);
  });

  it("an inactive trigger contributes no maxScale, and negative allowances create nothing", () => {
    const rules = { ...base, activationQueueLength: 3 };
    expect(decideScaledJob(rules, 3, { running: 0, pending: 0 })).toEqual({
      active: false,
      maxScale: 0,
      effectiveMaxScale: 0,
      create: 0,
    });
    const crowded = { ...base, scalingStrategy: "accurate" as const, maxReplicaCount: 5 };
    expect(decideScaledJob(crowded, 3, { running: 3, pending: 3 })).toMatchObject({
      effectiveMaxScale: 0,
      create: 0,
    });
  });

  it("creates min(scaleTo, effectiveMaxScale): the raw queue length bounds a generous strategy", () => {
    // custom with a negative deduction allows 3 + 2 = 5, but only 3 messages are queued.
    const rules = { ...base, ...custom(-2, 0), maxReplicaCount: 10 };
    expect(decideScaledJob(rules, 3, { running: 0, pending: 0 })).toMatchObject({
      maxScale: 3,
      effectiveMaxScale: 5,
      create: 3,
    });
  });
});
