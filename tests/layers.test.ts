/**
 * The layers of docs/DESIGN.md, decided by dependency-cruiser over the real import graph (with
 * TypeScript's resolution and type-only imports): the rules are in `.dependency-cruiser.cjs`.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const CLI = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
/** What the project's own code is made of (build output and installed packages excluded). */
const SOURCES = [
  "index.ts",
  "config",
  "infra",
  "k8s",
  "local",
  "harness",
  "policy",
  "scripts",
  "tests",
  "examples",
  "processor/src",
  "processor/bin",
  "processor/tests",
  "processor/bench",
];

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

function cruise(cwd: string, paths: string[]): { violations: Violation[]; modules: number } {
  const out = execFileSync(
    process.execPath,
    [CLI, "--config", CONFIG, "--output-type", "json", ...paths],
    { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
  );
  const result = JSON.parse(out) as {
    summary: { violations: Violation[]; totalCruised: number };
  };
  return { violations: result.summary.violations, modules: result.summary.totalCruised };
}

function ruleNames(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config is CommonJS
  const config = require(CONFIG) as { forbidden: { name: string }[] };
  return config.forbidden.map((r) => r.name).sort();
}

test("no import in the project crosses a layer the wrong way", () => {
  const { violations, modules } = cruise(
    ROOT,
    SOURCES.filter((p) => p !== "tests").concat("tests/*.ts", "tests/support"),
  );
  expect(modules).toBeGreaterThan(150);
  expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
});

test("every layer rule fires on a planted violation, and permitted imports pass", () => {
  const { violations } = cruise(join(__dirname, "fixtures", "layers"), ["."]);
  expect([...new Set(violations.map((v) => v.rule.name))].sort()).toEqual(ruleNames());
  const offenders = new Set(violations.map((v) => v.from));
  expect(offenders.has("config/ok.ts")).toBe(false);
  expect(offenders.has("k8s/specs/ok.ts")).toBe(false);
});
