/** The shape of the policy pack itself: what `pulumi preview --policy-pack policy` loads. */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { policies, POLICY_PACK_NAME } from "../policy/policies";

const POLICY_DIR = join(__dirname, "..", "policy");

test("the pack has at least 20 uniquely named rules, all mandatory and described", () => {
  const names = policies.map((p) => p.name);
  expect(names.length).toBeGreaterThanOrEqual(20);
  expect(new Set(names).size).toBe(names.length);
  for (const p of policies) {
    expect({ name: p.name, level: p.enforcementLevel }).toEqual({
      name: p.name,
      level: "mandatory",
    });
    expect(p.description.length).toBeGreaterThan(20);
    expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
  }
});

test("every rule is exercised by a policy test", () => {
  const tests = ["policy-aws.test.ts", "policy-kubernetes.test.ts"]
    .map((f) => readFileSync(join(__dirname, f), "utf8"))
    .join("\n");
  const untested = policies.map((p) => p.name).filter((n) => !tests.includes(`"${n}"`));
  expect(untested).toEqual([]);
});

test("only the pack's entry constructs the PolicyPack, and nothing imports the entry", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? e.name === "node_modules"
          ? []
          : sources(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [join(dir, e.name)]
          : [],
    );
  const constructing = sources(POLICY_DIR).filter((f) =>
    /new PolicyPack\(/.test(readFileSync(f, "utf8")),
  );
  expect(constructing.map((f) => f.slice(POLICY_DIR.length + 1))).toEqual(["index.ts"]);
  // From tests: an import of `../policy` or `../policy/index`; inside policy/: of `./index`.
  const fromTests = /^\s*import[^;]*from\s+"(?:\.\.\/)+policy(?:\/index)?"/m;
  const fromPack = /^\s*import[^;]*from\s+"\.\.?\/index"/m;
  const importers = [
    ...sources(POLICY_DIR).filter((f) => fromPack.test(readFileSync(f, "utf8"))),
    ...sources(__dirname).filter((f) => fromTests.test(readFileSync(f, "utf8"))),
  ];
  expect(importers).toEqual([]);
});

test("PulumiPolicy.yaml declares a nodejs pack and package.json names its version", () => {
  const manifest = parse(readFileSync(join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  expect(manifest.runtime).toBe("nodejs");
  const pkg = JSON.parse(readFileSync(join(POLICY_DIR, "package.json"), "utf8")) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
  };
  expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(Object.keys(pkg.dependencies)).toEqual(
    expect.arrayContaining(["@pulumi/policy", "@pulumi/pulumi"]),
  );
  expect(POLICY_PACK_NAME).toBe("pipeline-guardrails");
});

test("the pack's entry loads as the Pulumi CLI runs it: the analyzer server starts and prints its port", async () => {
  // What `pulumi preview --policy-pack policy` does after compiling index.ts: run it in the pack's
  // directory; @pulumi/policy validates the policies, starts a gRPC server and prints its port.
  const child = spawn(process.execPath, ["--import", "tsx", "index.ts"], {
    cwd: POLICY_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${err || out}`)));
    });
    expect(Number(port)).toBeGreaterThan(0);
  } finally {
    child.kill();
  }
});
