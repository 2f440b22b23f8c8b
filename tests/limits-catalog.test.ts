import {
  LIMITS,
  inlinePolicyTotals,
  limitViolations,
  ROLE_INLINE_POLICIES_MAX,
} from "../policy/limits/catalog";
import { runProgram, stackNames } from "../harness/program";

describe("the AWS input-limits catalog", () => {
  test("has at least 40 limits, each with a source and a unique id", () => {
    expect(LIMITS.length + 1).toBeGreaterThanOrEqual(40); // + the role inline-policy total
    expect(new Set(LIMITS.map((l) => l.id)).size).toBe(LIMITS.length);
    for (const l of LIMITS) expect(l.source).toMatch(/^(https:\/\/|terraform-provider-aws )/);
  });

  test.each(LIMITS.map((l) => [l.id, l] as const))(
    "%s passes its passing case and catches its violating case",
    (_id, limit) => {
      expect(limit.check(limit.pass)).toBeUndefined();
      expect(limit.check(limit.fail)).toEqual(expect.any(String));
    },
  );

  test("a role's inline policies are limited together", () => {
    const big = { Statement: "x".repeat(ROLE_INLINE_POLICIES_MAX / 2) };
    expect(inlinePolicyTotals([{ role: "r", policy: big }]).get("r")).toBeLessThan(
      ROLE_INLINE_POLICIES_MAX,
    );
    const resources = [1, 2].map((n) => ({
      type: "aws:iam/rolePolicy:RolePolicy",
      name: `p${n}`,
      inputs: { role: "r", policy: JSON.stringify(big) },
    }));
    expect(limitViolations(resources)).toEqual([
      expect.stringMatching(/^iam-role-inline-policies role r/),
    ]);
    expect(limitViolations(resources.slice(0, 1))).toEqual([]);
  });

  test.each(stackNames())("Pulumi.%s.yaml breaks no limit", async (stack) => {
    const run = await runProgram(stack);
    expect(limitViolations(run.resources)).toEqual([]);
  });

  test("the emr engine breaks no limit", async () => {
    const run = await runProgram("orchestrated", {
      "event-pipeline:orchestration": { enabled: true, engine: "emr" },
    });
    expect(limitViolations(run.resources)).toEqual([]);
  });
});
