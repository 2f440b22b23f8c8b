/**
 * `npm run policy`: the offline stand-in for `pulumi preview --policy-pack policy`. Runs the program
 * under the test suite's Pulumi mocks once per stack file (`Pulumi.<stack>.yaml`), evaluates every
 * policy of the pack over every resource, prints a rule × stack table and each violation, and exits
 * 1 when there is any.
 *
 *   npm run policy                 every stack file
 *   npm run policy -- dev prod     the named stacks
 *
 * Each stack runs in its own child process (`--child <stack>`): the Pulumi SDK keeps its state in
 * the module registry and on the global object, so one program run per process keeps them apart.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { childResultLine, runChildForResult } from "../harness/child-result";
import { runProgramFile, type RecordedResource } from "../harness/program";
import { evaluatePolicies, governedCount, type EvaluatedResource, type Finding } from "./evaluate";
import { policies, POLICY_PACK_NAME } from "./policies";

const ROOT = join(__dirname, "..");
const RESULT_MARKER = "POLICY-RESULT ";

/** The result of one stack: resources evaluated and findings per policy. */
interface StackResult {
  readonly stack: string;
  readonly resources: number;
  readonly findings: Record<string, Finding[]>;
  /** Resources of the types each policy governs. */
  readonly governed: Record<string, number | undefined>;
  readonly error?: string;
}

/** Stack names of the `Pulumi.<stack>.yaml` files next to `Pulumi.yaml`. */
export function stackNames(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A recorded resource as the engine would hand it to the pack. */
export function toEvaluated(r: RecordedResource): EvaluatedResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn || `urn:pulumi:stack::project::${r.type}::${r.name}`,
    inputs: r.inputs,
    outputs: { ...r.state, id: r.id },
  };
}

async function evaluateStack(stack: string): Promise<StackResult> {
  const run = await runProgramFile(join(ROOT, "index.ts"), stack, {}, (load) => load());
  const resources = run.resources.map(toEvaluated);
  const findings = await evaluatePolicies(policies, resources);
  const governed = Object.fromEntries(policies.map((p) => [p.name, governedCount(p, resources)]));
  return { stack, resources: resources.length, findings: Object.fromEntries(findings), governed };
}

/** Runs one stack in a child process and reads its result line. */
function runChild(stack: string): StackResult {
  const result = runChildForResult<StackResult>(__filename, [stack], RESULT_MARKER, ROOT);
  if (result.ok) return result.value;
  return { stack, resources: 0, findings: {}, governed: {}, error: result.output };
}

/**
 * The rule × stack table. A cell reads `ok (n)` when the n resources the rule governs comply,
 * `none` when the stack has no resource of those types, or the number of violations.
 */
export function table(results: readonly StackResult[]): string {
  const header = ["policy", ...results.map((r) => `${r.stack} (${r.resources})`)];
  const rows = policies.map((p) => [
    p.name,
    ...results.map((r) => {
      if (r.error) return "ERROR";
      const n = r.findings[p.name]?.length ?? 0;
      if (n > 0) return `${n} violation${n > 1 ? "s" : ""}`;
      const governed = r.governed[p.name];
      if (governed === 0) return "none";
      return governed === undefined ? "ok" : `ok (${governed})`;
    }),
  ]);
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--child") {
    const stack = argv[1] ?? "dev";
    const result = await evaluateStack(stack);
    process.stdout.write(childResultLine(RESULT_MARKER, result));
    return 0;
  }
  const stacks = argv.length ? argv : stackNames(ROOT);
  const started = Date.now();
  const results = stacks.map(runChild);
  console.log(
    `Policy pack ${POLICY_PACK_NAME}: ${policies.length} mandatory policies × ${stacks.length} stacks\n`,
  );
  console.log(table(results));
  let failed = false;
  for (const r of results) {
    if (r.error) {
      failed = true;
      console.log(`\n${r.stack}: the program did not run under mocks:\n${r.error}`);
      continue;
    }
    for (const f of Object.values(r.findings).flat()) {
      failed = true;
      console.log(`\n[${r.stack}] ${f.policy}: ${f.message}\n    at ${f.urn}`);
    }
  }
  const total = results.reduce((n, r) => n + Object.values(r.findings).flat().length, 0);
  console.log(`\n${total} violation(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(2);
    },
  );
}
