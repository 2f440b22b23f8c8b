/**
 * The program evaluates under Pulumi mocks for every stack file, and the harness itself keeps its
 * promises: unexpected invokes fail a run, runs of different stacks do not mix, outputs resolve.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  byType,
  byUrn,
  INVOKES,
  one,
  runProgram,
  runProgramFile,
  type ProgramRun,
} from "../harness/program";

const STACKS = readdirSync(join(__dirname, ".."))
  .map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

test("the stack files include dev and prod", () => {
  expect(STACKS).toEqual(expect.arrayContaining(["dev", "prod"]));
});

describe.each(STACKS)("the program under mocks (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("evaluates: every export resolves to a value", () => {
    const values = Object.entries(run.outputs).filter(([, v]) => v !== undefined);
    expect(values.length).toBeGreaterThanOrEqual(16);
    for (const [name, value] of values) {
      expect({ name, empty: value === "" || (Array.isArray(value) && value.length === 0) }).toEqual(
        {
          name,
          empty: false,
        },
      );
    }
  });

  test("registers every resource under a component of the program (nothing at top level)", () => {
    const topLevel = run.resources.filter((r) => r.parent === "").map((r) => r.type);
    expect(topLevel.length).toBeGreaterThan(0);
    for (const type of topLevel) {
      expect(type.startsWith("pipeline:") || type.startsWith("pulumi:providers:")).toBe(true);
    }
    for (const r of run.resources.filter((x) => x.parent !== "")) {
      expect({ name: r.name, parentKnown: byUrn(run, r.parent) !== undefined }).toEqual({
        name: r.name,
        parentKnown: true,
      });
    }
  });

  test("names children after their component (`<component>-<role>`)", () => {
    for (const r of run.resources.filter((x) => x.parent !== "")) {
      const parent = byUrn(run, r.parent);
      const component = parent?.custom ? byUrn(run, parent.parent) : parent;
      expect(r.name.startsWith(`${component?.name ?? ""}-`) || r.name === component?.name).toBe(
        true,
      );
    }
  });

  test("the kubeconfig output is a secret", () => {
    expect(run.secretOutputs).toContain("kubeconfig");
    expect(JSON.parse(run.outputs.kubeconfig as string)).toMatchObject({ kind: "Config" });
  });

  test("reads the stack file's settings: one private and one public subnet per AZ", () => {
    expect(byType(run, "aws:ec2/subnet:Subnet")).toHaveLength(run.settings.network.azCount * 2);
    expect(run.outputs.privateSubnetIds).toHaveLength(run.settings.network.azCount);
  });
});

describe("the harness", () => {
  test("the call mock throws on an invoke it does not know, and the run fails", async () => {
    expect(INVOKES["aws:ec2/getAmi:getAmi"]).toBeUndefined();
    await expect(
      runProgramFile(join(__dirname, "fixtures", "unexpected-invoke.ts"), "dev"),
    ).rejects.toThrow(/unexpected invoke.*aws:ec2\/getAmi:getAmi/);
  });

  test("runs of dev and prod in one file do not share resources", async () => {
    const dev = await runProgram("dev");
    const prod = await runProgram("prod");
    expect(byType(dev, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(byType(prod, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
    expect(dev.resources.every((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(true);
    expect(prod.resources.every((r) => r.urn.startsWith("urn:pulumi:prod::"))).toBe(true);
    for (const run of [dev, prod]) {
      const urns = run.resources.map((r) => r.urn);
      expect(new Set(urns).size).toBe(urns.length);
    }
  });

  test("config overrides replace the stack file's value and are cached separately", async () => {
    const dev = await runProgram("dev");
    const small = await runProgram("dev", { "event-pipeline:image": { keepLastImages: 3 } });
    expect(small).not.toBe(dev);
    expect(await runProgram("dev", { "event-pipeline:image": { keepLastImages: 3 } })).toBe(small);
    const policy = (run: ProgramRun) =>
      JSON.parse(one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy).rules[0]
        .selection.countNumber;
    expect([policy(dev), policy(small)]).toEqual([dev.settings.image.keepLastImages, 3]);
  });

  test("an invalid setting fails the run with a message naming the key", async () => {
    await expect(runProgram("dev", { "event-pipeline:network": { azCount: 7 } })).rejects.toThrow(
      /event-pipeline:network\.azCount/,
    );
  });
});
