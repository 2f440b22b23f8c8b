/**
 * The stack outputs contract: `config/outputs.ts` (names, types, secrecy), the README "Stack outputs"
 * table and the exports of `index.ts` name the same outputs with the same types.
 */
import type * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as Program from "../index";
import {
  OPTIONAL_OUTPUTS,
  REQUIRED_OUTPUTS,
  STACK_OUTPUTS,
  type OutputName,
  type PipelineOutputs,
} from "../config";
import { runProgram } from "../harness/program";

// Compile-time half (npm run typecheck): index.ts exports exactly the contract's names, and each
// export resolves to the contract's type.
type ExportName = Exclude<keyof typeof Program, "__esModule">;
type Resolved = { [K in ExportName]: pulumi.Unwrap<(typeof Program)[K]> };
const sameNames: [Exclude<ExportName, OutputName>, Exclude<OutputName, ExportName>] extends [
  never,
  never,
]
  ? true
  : false = true;
const sameTypes: Resolved extends PipelineOutputs ? true : false = true;

/** The rows of the README's "Stack outputs" table: name → type cell. */
function readmeOutputs(): Map<string, string> {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const section = readme.split(/^## Stack outputs$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `(\w+)` \| ([^|]+) \| [^|]+ \|$/gm)) {
    rows.set(m[1] as string, (m[2] as string).trim());
  }
  return rows;
}

/** The README's type cell for an output spec. */
function typeCell(name: OutputName): string {
  const spec = STACK_OUTPUTS[name];
  return `\`${spec.type}\`${spec.secret ? " (secret)" : ""}`;
}

/** The type of a resolved value, as the contract spells it. */
function typeOfValue(value: unknown): string {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? "string[]" : "array";
  return typeof value;
}

const defined = (outputs: Record<string, unknown>) =>
  Object.keys(outputs)
    .filter((k) => outputs[k] !== undefined)
    .sort();

test("index.ts exports exactly the contract's outputs with its types (checked by tsc)", () => {
  expect([sameNames, sameTypes]).toEqual([true, true]);
});

test("the README documents every output of the contract, with its type, and nothing else", () => {
  const rows = readmeOutputs();
  expect([...rows.keys()]).toEqual(Object.keys(STACK_OUTPUTS));
  for (const name of Object.keys(STACK_OUTPUTS) as OutputName[]) {
    expect({ name, type: rows.get(name) }).toEqual({ name, type: typeCell(name) });
  }
});

test("a dev stack exports exactly the required outputs, typed and secret as the contract says", async () => {
  const run = await runProgram("dev");
  expect(defined(run.outputs)).toEqual([...REQUIRED_OUTPUTS].sort());
  for (const name of REQUIRED_OUTPUTS) {
    expect({ name, type: typeOfValue(run.outputs[name]) }).toEqual({
      name,
      type: STACK_OUTPUTS[name].type,
    });
  }
  const secrets = (Object.keys(STACK_OUTPUTS) as OutputName[]).filter(
    (k) => STACK_OUTPUTS[k].secret,
  );
  expect([...run.secretOutputs].sort()).toEqual(secrets.sort());
  expect(run.outputs.processorImage).toMatch(/@sha256:[0-9a-f]{64}$/);
});

test("the orchestrated variant adds exactly the optional outputs", async () => {
  const run = await runProgram("dev", { "event-pipeline:orchestration": { enabled: true } });
  expect(defined(run.outputs)).toEqual([...REQUIRED_OUTPUTS, ...OPTIONAL_OUTPUTS].sort());
  for (const name of OPTIONAL_OUTPUTS) expect(typeof run.outputs[name]).toBe("string");
});
