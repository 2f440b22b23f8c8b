/**
 * "If parseSettings accepts it, AWS accepts it", for the names: per stack file, at least 500
 * generated (stack name, storage.bucketPrefix, orchestration engine) settings that parseSettings
 * accepts — stack names of every length 1-100 over Pulumi's whole alphabet — and every physical
 * name they derive, as the resource graph would carry it, breaks none of the catalog's limits.
 * Pure builders here, so every length and character is covered cheaply; whole program runs over
 * generated settings are in tests/settings-property-<stack>.test.ts (tests/support/settings-property.ts).
 */
import fc from "fast-check";
import {
  BUCKET_PREFIX_MAX_LENGTH,
  parseSettings,
  PROJECT,
  settingsInputFromConfig,
  stackPhysicalNames,
  type Settings,
} from "../config";
import { limitViolations, type LimitSubject } from "../policy/limits/catalog";
import { readdirSync } from "node:fs";
import { stackConfig, stackNames } from "../harness/program";

const PULUMI_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".split("");
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789".split("");

/** Stack names AWS can take (lowercase words joined by single hyphens), of any length 1-100. */
const plainName = fc
  .array(fc.string({ unit: fc.constantFrom(...LOWER), minLength: 1, maxLength: 12 }), {
    minLength: 1,
    maxLength: 12,
  })
  .map((words) => words.join("-").slice(0, 100).replace(/-+$/, ""))
  .filter((s) => s.length > 0);
/** Any name Pulumi accepts. */
const pulumiName = fc.string({
  unit: fc.constantFrom(...PULUMI_CHARS),
  minLength: 1,
  maxLength: 100,
});
const bucketPrefix = fc.option(
  fc
    .string({ unit: fc.constantFrom(...LOWER), minLength: 1, maxLength: BUCKET_PREFIX_MAX_LENGTH })
    .filter((p) => !p.startsWith("xn--")),
  { nil: undefined },
);

/** The resources whose names derive from the project and stack names, as the program makes them. */
function namedResources(stack: string, s: Settings): LimitSubject[] {
  const n = stackPhysicalNames({ project: PROJECT, stack }, s.storage.bucketPrefix);
  const r = (type: string, inputs: Record<string, unknown>) => ({ type, name: "x", inputs });
  const out = [
    r("eks:index:Cluster", { name: n.cluster }),
    r("aws:cloudwatch/logGroup:LogGroup", { name: n.controlPlaneLogGroup }),
    r("aws:ecr/repository:Repository", { name: n.repository }),
    r("aws:kms/alias:Alias", { name: n.dataKeyAlias }),
    r("aws:cloudwatch/dashboard:Dashboard", { dashboardName: n.dashboard }),
    ...(["raw", "processed", "events"] as const).map((b) =>
      r("aws:s3/bucket:Bucket", { bucketPrefix: n.bucketPrefixes[b] }),
    ),
    ...(["preprocess", "preprocessDlq", "events", "eventsDlq"] as const).map((q) =>
      r("aws:sqs/queue:Queue", { name: n.queues[q] }),
    ),
  ];
  if (s.orchestration.enabled) {
    out.push(
      r("aws:s3/bucket:Bucket", { bucketPrefix: n.bucketPrefixes.lake }),
      r("aws:sqs/queue:Queue", { name: n.queues.batchRulesDlq }),
      r("aws:dynamodb/table:Table", { name: n.resultsTable }),
      r("aws:cloudwatch/eventBus:EventBus", { name: n.eventBus }),
      r("aws:sfn/stateMachine:StateMachine", { name: n.stateMachine }),
      r("aws:cloudwatch/eventRule:EventRule", { name: n.uploadRule }),
    );
    if (s.orchestration.engine === "emr") {
      out.push(
        r("aws:emrcontainers/virtualCluster:VirtualCluster", { name: n.virtualCluster }),
        r("aws:iam/role:Role", { name: n.emrJobRole }),
      );
    }
  }
  return out;
}

function accepted(raw: Record<string, unknown>, stack: string): Settings | undefined {
  try {
    return parseSettings(raw, { project: PROJECT, stack });
  } catch {
    return undefined;
  }
}

describe.each(stackNames())("if parseSettings accepts it, AWS accepts it (%s)", (file) => {
  test("500 accepted settings derive no name AWS would refuse", () => {
    const base = settingsInputFromConfig(stackConfig(file));
    const lengths = new Set<number>();
    let acceptedCases = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: plainName }, { weight: 1, arbitrary: pulumiName }),
        bucketPrefix,
        fc.constantFrom("eks", "emr"),
        fc.boolean(),
        (stack, prefix, engine, orchestrated) => {
          const raw = {
            ...base,
            storage: { ...(base.storage as object), bucketPrefix: prefix },
            orchestration: {
              ...(base.orchestration as object),
              enabled: orchestrated || (base.orchestration as { enabled?: boolean })?.enabled,
              engine,
            },
          };
          const settings = accepted(raw, stack);
          if (!settings) return true;
          acceptedCases++;
          lengths.add(stack.length);
          expect(limitViolations(namedResources(stack, settings))).toEqual([]);
          return true;
        },
      ),
      { numRuns: 2500, seed: 14 },
    );
    expect(acceptedCases).toBeGreaterThanOrEqual(500);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(30);
  });

  test("every stack name length parseSettings accepts (1 up to the limit) derives valid names", () => {
    const base = settingsInputFromConfig(stackConfig(file));
    const ok: number[] = [];
    for (let n = 1; n <= 100; n++) {
      const stack = "a".repeat(n);
      const raw = { ...base, storage: { ...(base.storage as object), bucketPrefix: "ep" } };
      const settings = accepted(raw, stack);
      if (!settings) continue;
      ok.push(n);
      expect(limitViolations(namedResources(stack, settings))).toEqual([]);
    }
    // The accepted lengths are 1..k with no gap: a name is refused only for being too long.
    expect(ok).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
    expect(ok.length).toBeGreaterThanOrEqual(30);
  });
});

test("every stack file has its program property test (tests/settings-property-<stack>.test.ts)", () => {
  const files = readdirSync(__dirname);
  expect(stackNames().filter((s) => !files.includes(`settings-property-${s}.test.ts`))).toEqual([]);
  expect(stackNames().length).toBeGreaterThanOrEqual(4);
});
