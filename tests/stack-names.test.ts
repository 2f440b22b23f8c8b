import {
  BUCKET_PREFIX_MAX_LENGTH,
  NAME_LIMITS,
  parseSettings,
  PROJECT,
  SettingsError,
  settingsInputFromConfig,
  stackPhysicalNames,
} from "../config";
import { stackConfig, stackNames } from "../harness/program";

const base = { region: "eu-west-1" };

function problemsOf(raw: unknown, stack: string): string[] {
  try {
    parseSettings(raw, { project: PROJECT, stack });
  } catch (e) {
    if (e instanceof SettingsError) return e.problems;
    throw e;
  }
  return [];
}

describe("stack names that AWS would reject are refused by parseSettings", () => {
  test("the provider allows S3 bucket prefixes of at most 37 characters (63 less its 26-character suffix)", () => {
    expect(NAME_LIMITS.s3BucketPrefix.max).toBe(37);
    expect(BUCKET_PREFIX_MAX_LENGTH).toBe(37 - "-processed-".length);
  });

  test("a stack name too long for the bucket prefixes names the limit and both fixes", () => {
    const problems = problemsOf(base, "orchestrated");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^stack name "orchestrated": /);
    expect(problems[0]).toContain('"event-pipeline-orchestrated-processed-" has 38 characters');
    expect(problems[0]).toContain("1-37");
    expect(problems[0]).toContain(
      `set ${PROJECT}:storage.bucketPrefix (at most ${BUCKET_PREFIX_MAX_LENGTH} lowercase letters`,
    );
    expect(problems[0]).toContain("use a stack name of at most 11 characters");
  });

  test("the longest stack name that fits the default bucket prefixes is accepted", () => {
    expect(problemsOf(base, "a".repeat(11))).toEqual([]);
    expect(problemsOf(base, "a".repeat(12))).toHaveLength(1);
  });

  test("storage.bucketPrefix lets a long stack name keep its buckets within the limit", () => {
    const settings = parseSettings(
      { ...base, storage: { bucketPrefix: "ep-long" } },
      { project: PROJECT, stack: "a-rather-long-stack-name" },
    );
    const names = stackPhysicalNames(
      { project: PROJECT, stack: "a-rather-long-stack-name" },
      settings.storage.bucketPrefix,
    );
    expect(names.bucketPrefixes.processed).toBe("ep-long-processed-");
  });

  test("storage.bucketPrefix itself is held to what still fits", () => {
    expect(() =>
      parseSettings({
        ...base,
        storage: { bucketPrefix: "x".repeat(BUCKET_PREFIX_MAX_LENGTH + 1) },
      }),
    ).toThrow(/event-pipeline:storage\.bucketPrefix: .*26/);
    expect(() => parseSettings({ ...base, storage: { bucketPrefix: "Upper" } })).toThrow(
      /event-pipeline:storage\.bucketPrefix: must be lowercase/,
    );
    expect(() => parseSettings({ ...base, storage: { bucketPrefix: "xn--ab" } })).toThrow(
      /reserves/,
    );
  });

  test("a stack name with characters an ECR repository or EKS cluster name cannot hold is refused", () => {
    expect(problemsOf(base, "Dev").join("\n")).toMatch(/ECR repository name/);
    expect(problemsOf(base, "d.v").join("\n")).toMatch(/EKS cluster name/);
    expect(problemsOf(base, "d--v").join("\n")).toMatch(/ECR repository name/);
  });

  test("a stack name Pulumi itself refuses is reported as such", () => {
    expect(problemsOf(base, "a b")).toEqual([
      expect.stringMatching(/^stack name "a b": Pulumi allows 1-100/),
    ]);
  });

  test("the orchestrated variant's names are checked only when it is on", () => {
    const stack = "s".repeat(36); // event-pipeline-<36>-batch-uploads = 65 > 64
    const raw = { ...base, storage: { bucketPrefix: "ep" } };
    expect(problemsOf(raw, stack)).toEqual([]);
    const on = problemsOf({ ...raw, orchestration: { enabled: true } }, stack);
    expect(on.join("\n")).toMatch(/EventBridge rule name .* 1-64/);
  });

  test.each(stackNames())("Pulumi.%s.yaml fits every name limit", (stack) => {
    const raw = settingsInputFromConfig(stackConfig(stack));
    expect(problemsOf(raw, stack)).toEqual([]);
  });
});
