/**
 * `npm run proof`: decides the program the way AWS would, with third-party semantics, for every
 * stack file: IAM decisions by @cloud-copilot/iam-simulate (proof/iam), EventBridge patterns
 * against documented sample events (proof/patterns), the deployed state machine executed by
 * aws-local-stepfunctions (proof/stepfunctions). Prints one table per part and stack, then
 *
 *   proof: <calls> calls allowed, <probes> probes denied, <executions> executions, <patterns> pattern cases, <n> mismatches
 *
 * and exits 0 only at 0 mismatches. Each stack runs in its own child process (the Pulumi SDK's
 * state is process-global), all at once.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { runProgramFile } from "../harness/program";
import { stackNames } from "../policy/run";
import { decideAll, proofWorld } from "./iam/evaluate";
import { matchRules } from "./patterns/cases";
import { orchestrationOf, rulesOf } from "./program";
import { runScenarios } from "./stepfunctions/scenarios";

const ROOT = join(__dirname, "..");
const MARKER = "PROOF-RESULT ";

/** What one stack contributes. */
interface StackProof {
  readonly stack: string;
  readonly iam: {
    role: string;
    allowed: number;
    denied: number;
    knownDefects: number;
    mismatches: string[];
  }[];
  readonly patterns: { rule: string; cases: number; mismatches: string[] }[];
  readonly executions: { name: string; status: string; mismatches: string[] }[];
  readonly error?: string;
}

/** Runs every part for one stack. */
export async function proveStack(stack: string): Promise<StackProof> {
  const run = await runProgramFile(join(ROOT, "index.ts"), stack, {}, (load) => load());
  const decisions = await decideAll(await proofWorld(run));
  const roles = [...new Set(decisions.map((d) => d.role))];
  const iam = roles.map((role) => {
    const mine = decisions.filter((d) => d.role === role);
    return {
      role,
      allowed: mine.filter((d) => d.kind === "call" && d.ok && !d.knownDefect).length,
      denied: mine.filter((d) => d.kind === "probe" && d.ok).length,
      knownDefects: mine.filter((d) => d.knownDefect).length,
      mismatches: mine
        .filter((d) => !d.ok)
        .map(
          (d) =>
            `${d.kind} ${d.spec.action} on ${d.resource}: ${d.result} (${d.spec.pending ? "pending mark is stale: " : ""}${d.spec.why})`,
        ),
    };
  });
  const o = orchestrationOf(run);
  const { results, unsampled } = matchRules(rulesOf(run), o);
  const patterns = [...new Set(results.map((r) => r.rule)), ...unsampled].map((rule) => ({
    rule,
    cases: results.filter((r) => r.rule === rule).length,
    mismatches: unsampled.includes(rule)
      ? ["no sample events for this rule"]
      : results
          .filter((r) => r.rule === rule && r.matched !== r.expected)
          .map((r) => `${r.sample}: ${r.matched ? "matched" : "did not match"}`),
  }));
  const executions = o
    ? (await runScenarios(o)).map((r) => ({
        name: r.scenario.name,
        status: r.execution.status,
        mismatches: r.problems,
      }))
    : [];
  return { stack, iam, patterns, executions };
}

/** Runs one stack in a child process. */
function child(stack: string): Promise<StackProof> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, "--child", stack], {
      cwd: ROOT,
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith(MARKER));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(MARKER.length)) as StackProof);
      const error = `${out}\n${err}`.trim().split("\n").slice(-20).join("\n") || `exit ${code}`;
      resolve({ stack, iam: [], patterns: [], executions: [], error });
    });
  });
}

function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [
    title,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.slice(1).map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const result = await proveStack(args[1] as string);
    process.stdout.write(`${MARKER}${JSON.stringify(result)}\n`);
    return;
  }
  const stacks = args.length > 0 ? args : stackNames(ROOT);
  const results = await Promise.all(stacks.map(child));
  const problems: string[] = [];
  let [calls, probes, executions, patterns] = [0, 0, 0, 0];
  for (const r of results) {
    if (r.error) {
      problems.push(`${r.stack}: the proof did not run:\n${r.error}`);
      continue;
    }
    console.log(
      table(
        `\nIAM decisions — ${r.stack}`,
        ["role", "calls allowed", "probes denied", "known defects", "mismatches"],
        r.iam.map((x) => [x.role, x.allowed, x.denied, x.knownDefects, x.mismatches.length]),
      ),
    );
    console.log(
      table(
        `\nEvent patterns — ${r.stack}`,
        ["rule", "cases", "mismatches"],
        r.patterns.map((x) => [x.rule, x.cases, x.mismatches.length]),
      ),
    );
    if (r.executions.length > 0) {
      console.log(
        table(
          `\nState machine executions — ${r.stack}`,
          ["execution", "status", "mismatches"],
          r.executions.map((x) => [x.name, x.status, x.mismatches.length]),
        ),
      );
    }
    for (const x of r.iam) {
      calls += x.allowed;
      probes += x.denied;
      problems.push(...x.mismatches.map((m) => `${r.stack} IAM ${x.role}: ${m}`));
      if (x.knownDefects > 0)
        console.log(
          `${r.stack} ${x.role}: ${x.knownDefects} known defect(s) pending another change`,
        );
    }
    for (const x of r.patterns) {
      patterns += x.cases;
      problems.push(...x.mismatches.map((m) => `${r.stack} rule ${x.rule}: ${m}`));
    }
    for (const x of r.executions) {
      executions += 1;
      problems.push(...x.mismatches.map((m) => `${r.stack} execution ${x.name}: ${m}`));
    }
  }
  if (problems.length > 0) console.log(`\n${problems.join("\n")}`);
  console.log(
    `\nproof: ${calls} calls allowed, ${probes} probes denied, ${executions} executions, ${patterns} pattern cases, ${problems.length} mismatches`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
