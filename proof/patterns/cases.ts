/**
 * Sample events per EventBridge rule the program creates: each must (or must not) match the
 * rule's deployed pattern. A rule without samples is itself a mismatch, so a new rule cannot slip
 * in untested.
 */
import type { Orchestration, Rule } from "../program";
import * as sample from "../samples";
import { matches } from "../../harness/event-patterns";

/* eslint-disable @typescript-eslint/no-explicit-any -- events are JSON */

/** One sample: the event and whether the rule must match it. */
export interface PatternCase {
  readonly rule: string;
  readonly sample: string;
  readonly event: any;
  readonly expected: boolean;
}

/** The result of one case. */
export interface PatternResult extends PatternCase {
  readonly matched: boolean;
}

/** The samples for each rule, by the rule's logical name. */
export function casesFor(
  rule: Rule,
  o: Orchestration | undefined,
): Omit<PatternCase, "rule">[] | undefined {
  const ec2 = [
    ["spot interruption warning", sample.spotInterruption],
    ["rebalance recommendation", sample.rebalance],
    ["instance stopping", sample.stateChange("stopping")],
    ["instance running", sample.stateChange("running")],
    ["health scheduled change (EC2)", sample.healthScheduledChange],
    ["health issue (EC2)", sample.healthIssue],
    [
      "health scheduled change (RDS)",
      {
        ...sample.healthScheduledChange,
        detail: { ...sample.healthScheduledChange.detail, service: "RDS" },
      },
    ],
  ] as const;
  const only = (...names: string[]) =>
    ec2.map(([n, event]) => ({ sample: n, event, expected: names.includes(n) }));
  switch (rule.name) {
    case "karpenter-spot-interruption":
      return only("spot interruption warning");
    case "karpenter-rebalance":
      return only("rebalance recommendation");
    case "karpenter-instance-state-change":
      return [
        ...only("instance stopping"),
        ...["stopped", "shutting-down", "terminated"].map((s) => ({
          sample: `instance ${s}`,
          event: sample.stateChange(s),
          expected: true,
        })),
        { sample: "instance pending", event: sample.stateChange("pending"), expected: false },
      ];
    case "karpenter-scheduled-change":
      return only("health scheduled change (EC2)");
    case "orchestration-uploads": {
      if (!o) return undefined;
      return [
        {
          sample: "upload under the prefix",
          event: sample.objectCreated(o.rawBucket, `${o.prefix}a.csv`),
          expected: true,
        },
        {
          sample: "upload in a folder under the prefix",
          event: sample.objectCreated(o.rawBucket, `${o.prefix}q1/a b.csv`),
          expected: true,
        },
        {
          sample: "upload under input/ (the KEDA path)",
          event: sample.objectCreated(o.rawBucket, "input/a.csv"),
          expected: false,
        },
        {
          sample: "key merely containing the prefix",
          event: sample.objectCreated(o.rawBucket, `x/${o.prefix}a.csv`),
          expected: false,
        },
        {
          sample: "another bucket",
          event: sample.objectCreated(`${o.rawBucket}-other`, `${o.prefix}a.csv`),
          expected: false,
        },
        {
          sample: "the processed bucket",
          event: sample.objectCreated(o.processedBucket, `${o.prefix}a.csv`),
          expected: false,
        },
        {
          sample: "Object Deleted",
          event: sample.objectDeleted(o.rawBucket, `${o.prefix}a.csv`),
          expected: false,
        },
      ];
    }
    case "orchestration-announcements":
      return [
        {
          sample: "InputDataProcessed",
          event: sample.announcement(sample.PROCESSED),
          expected: true,
        },
        {
          sample: "InputDataProcessingFailed",
          event: sample.announcement(sample.FAILED),
          expected: true,
        },
        {
          sample: "another detail-type",
          event: sample.announcement("InputDataReceived"),
          expected: false,
        },
        {
          sample: "another source",
          event: sample.announcement(sample.PROCESSED, "aws.s3"),
          expected: false,
        },
      ];
    default:
      return undefined;
  }
}

/** Every case of every rule, matched; rules without samples are returned apart. */
export function matchRules(
  rules: readonly Rule[],
  o: Orchestration | undefined,
): { results: PatternResult[]; unsampled: string[] } {
  const results: PatternResult[] = [];
  const unsampled: string[] = [];
  for (const rule of rules) {
    const cases = casesFor(rule, o);
    if (!cases) {
      unsampled.push(rule.name);
      continue;
    }
    for (const c of cases)
      results.push({ rule: rule.name, ...c, matched: matches(rule.pattern, c.event) });
  }
  return { results, unsampled };
}
