/**
 * `npm run bench:property`: what the settings property (`npm run property`) costs per case, and
 * what it cannot cost less than. For each stack file, in one run and alternating: the real program
 * over `BENCH_CASES` accepted settings (harness/settings-arbitraries.ts), and the floor program
 * (floor-program.ts: the same number of trivial resources) through the same batch child. The
 * table gives CPU per case (median) and, at the property's 500 cases per stack file, the least
 * wall time this machine's cores could take if the cases spread perfectly over them.
 *
 *   npm run bench:property                 # BENCH_CASES=100 (default) cases per stack file
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { PROJECT } from "../../config";
import { stackConfig, stackNames } from "../../harness/program";
import { runBatch, type BatchCase, type BatchResult } from "../../harness/program-batch";
import { acceptedCases } from "../../harness/settings-arbitraries";

const CASES = Number(process.env.BENCH_CASES ?? 100);
/** The cases per stack file of `npm run property`, and the budget the issue sets for all of them. */
const PROPERTY_CASES = 500;
const BUDGET_S = 60;
const FLOOR = join(__dirname, "floor-program.ts");

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

/** Median CPU ms and resources per case, leaving out the first (warm-up) run; fails on any error. */
function summary(
  label: string,
  results: readonly BatchResult[],
): { cpuMs: number; resources: number } {
  const failed = results.find((r) => r.error);
  if (failed) throw new Error(`${label}: a case failed: ${failed.error}`);
  const rest = results.slice(1);
  return {
    cpuMs: median(rest.map((r) => r.cpuMs)),
    resources: median(rest.map((r) => r.resources)),
  };
}

async function main(): Promise<void> {
  if (!Number.isInteger(CASES) || CASES < 2) throw new Error("BENCH_CASES must be an integer >= 2");
  const cores = availableParallelism();
  const rows: string[] = [];
  let programCpuS = 0;
  let floorCpuS = 0;
  for (const stack of stackNames()) {
    const config = stackConfig(stack);
    const file: BatchCase = { project: PROJECT, stack, config };
    const program = summary(stack, await runBatch([file, ...acceptedCases(config, CASES, 14)]));
    const floorCase: BatchCase = {
      project: "bench",
      stack,
      config: { "aws:region": "eu-west-1", "bench:resources": program.resources },
    };
    const floorRuns = await runBatch(Array<BatchCase>(CASES + 1).fill(floorCase), 0, FLOOR);
    const floor = summary(`${stack} floor`, floorRuns);
    if (floor.resources < program.resources) {
      throw new Error(
        `the floor program registered ${floor.resources} resources, not ${program.resources}`,
      );
    }
    programCpuS += (PROPERTY_CASES * program.cpuMs) / 1000;
    floorCpuS += (PROPERTY_CASES * floor.cpuMs) / 1000;
    rows.push(
      `| ${stack} | ${program.resources} | ${program.cpuMs} | ${floor.cpuMs} | ${(program.cpuMs / floor.cpuMs).toFixed(2)}x |`,
    );
  }
  const wall = (cpuS: number) =>
    `${(cpuS / cores).toFixed(0)} s (${(cpuS / cores / BUDGET_S).toFixed(2)}x the ${BUDGET_S} s budget)`;
  const lines = [
    `${CASES} cases per stack file, ${cores} cores; CPU ms per case (median)`,
    "",
    "| stack file | resources | program | floor (same count, trivial) | program / floor |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    `${PROPERTY_CASES} cases per stack file on ${cores} cores, at best: program ${wall(programCpuS)}; floor ${wall(floorCpuS)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
