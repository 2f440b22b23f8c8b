/**
 * EventBridge pattern matching (proof/patterns): the matcher against EventBridge's documented
 * examples, then every rule the orchestrated stack creates against real sample events.
 * Examples: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
import { runProgram } from "../harness/program";
import { matchRules } from "../proof/patterns/cases";
import { matches } from "../harness/event-patterns";
import { orchestrationOf, rulesOf } from "../proof/program";
import type { ProgramRun } from "../harness/program";

let run: ProgramRun;

// One program run for the file (a run takes tens of seconds on a loaded machine).
beforeAll(async () => {
  run = await runProgram("orchestrated");
}, 120_000);

const ev = {
  source: "aws.ec2",
  region: "us-east-1",
  "detail-type": "EC2 Instance State-change Notification",
  detail: {
    state: "initializing",
    "instance-id": "i-0123",
    "c-count": 5,
    FilePath: "/usr/lib/a.png",
    service: "EventBridge",
    tags: ["a", "b"],
    nothing: null,
  },
};

describe("the event pattern matcher follows EventBridge's documented examples", () => {
  test.each([
    ["exact value", { source: ["aws.ec2"] }, true],
    ["exact value, other", { source: ["aws.s3"] }, false],
    ["OR within a field", { source: ["aws.s3", "aws.ec2"] }, true],
    ["AND across fields", { source: ["aws.ec2"], region: ["eu-west-1"] }, false],
    ["nested field", { detail: { state: ["initializing"] } }, true],
    ["prefix", { region: [{ prefix: "us-" }] }, true],
    ["prefix, other", { region: [{ prefix: "eu-" }] }, false],
    [
      "prefix ignoring case",
      { detail: { service: [{ prefix: { "equals-ignore-case": "eventb" } }] } },
      true,
    ],
    ["suffix", { detail: { FilePath: [{ suffix: ".png" }] } }, true],
    [
      "suffix ignoring case",
      { detail: { FilePath: [{ suffix: { "equals-ignore-case": ".PNG" } }] } },
      true,
    ],
    ["anything-but value", { detail: { state: [{ "anything-but": "initializing" }] } }, false],
    [
      "anything-but list",
      { detail: { state: [{ "anything-but": ["stopped", "pending"] }] } },
      true,
    ],
    ["anything-but prefix", { region: [{ "anything-but": { prefix: "us-" } }] }, false],
    [
      "anything-but suffix",
      { detail: { FilePath: [{ "anything-but": { suffix: ".jpg" } }] } },
      true,
    ],
    [
      "anything-but ignoring case",
      { detail: { state: [{ "anything-but": { "equals-ignore-case": "INITIALIZING" } }] } },
      false,
    ],
    [
      "anything-but wildcard",
      { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } },
      false,
    ],
    ["exists", { detail: { "instance-id": [{ exists: true }] } }, true],
    ["exists false on an absent field", { detail: { missing: [{ exists: false }] } }, true],
    ["exists false on a present field", { detail: { state: [{ exists: false }] } }, false],
    ["absent field with a value matcher", { detail: { missing: ["x"] } }, false],
    ["numeric range", { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, true],
    ["numeric range, outside", { detail: { "c-count": [{ numeric: [">", 5] }] } }, false],
    ["numeric equals", { detail: { "c-count": [{ numeric: ["=", 5] }] } }, true],
    ["wildcard", { detail: { FilePath: [{ wildcard: "/usr/*/a.png" }] } }, true],
    ["wildcard, other", { detail: { FilePath: [{ wildcard: "/opt/*" }] } }, false],
    [
      "equals-ignore-case",
      { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] },
      true,
    ],
    ["$or", { $or: [{ region: ["eu-west-1"] }, { detail: { state: ["initializing"] } }] }, true],
    ["$or, none", { $or: [{ region: ["eu-west-1"] }, { detail: { state: ["stopped"] } }] }, false],
    ["array value: any element", { detail: { tags: ["b"] } }, true],
    ["null value", { detail: { nothing: [null] } }, true],
    ["a pattern object against a string", { region: { prefix: ["us-"] } }, false],
  ] as const)("%s", (_name, pattern, expected) => {
    expect(matches(pattern as never, ev)).toBe(expected);
  });

  test("an unknown operator throws instead of matching", () => {
    expect(() => matches({ region: [{ contains: "us" }] }, ev)).toThrow(/unsupported/);
  });
});

describe("every EventBridge rule of the orchestrated stack matches what it must, and only that", () => {
  test("each sample decides as expected; no rule lacks samples", async () => {
    const rules = rulesOf(run);
    expect(rules.map((r) => r.name).sort()).toEqual([
      "karpenter-instance-state-change",
      "karpenter-rebalance",
      "karpenter-scheduled-change",
      "karpenter-spot-interruption",
      "orchestration-announcements",
      "orchestration-uploads",
    ]);
    const { results, unsampled } = matchRules(rules, orchestrationOf(run));
    expect(unsampled).toEqual([]);
    expect(results.filter((r) => r.matched !== r.expected)).toEqual([]);
    expect(results.filter((r) => r.expected).length).toBeGreaterThanOrEqual(10);
    expect(results.filter((r) => !r.expected).length).toBeGreaterThanOrEqual(20);
  });

  test("a widened pattern is caught: the upload rule without its prefix matches input/", async () => {
    const rules = rulesOf(run).map((r) =>
      r.name === "orchestration-uploads"
        ? {
            ...r,
            pattern: {
              ...r.pattern,
              detail: { bucket: (r.pattern.detail as { bucket: unknown }).bucket },
            },
          }
        : r,
    );
    const { results } = matchRules(rules, orchestrationOf(run));
    expect(results.filter((r) => r.matched !== r.expected).map((r) => r.sample)).toEqual([
      "upload under input/ (the KEDA path)",
      "key merely containing the prefix",
    ]);
  });
});
