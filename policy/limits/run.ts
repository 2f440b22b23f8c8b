/**
 * `npm run limits`: runs the program under the mocks for every stack file (one child process per
 * stack, as `policy/run.ts` does) and checks the resource graph against AWS's input limits
 * (`catalog.ts`). Prints the violations and exits 1 when there is any.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runProgramFile, stackNames } from "../../harness/program";
import { LIMITS, limitViolations } from "./catalog";

const ROOT = join(__dirname, "..", "..");
const MARKER = "LIMITS-RESULT ";

async function child(stack: string): Promise<void> {
  const run = await runProgramFile(join(ROOT, "index.ts"), stack, {}, (load) => load());
  const violations = limitViolations(run.resources);
  process.stdout.write(
    `${MARKER}${JSON.stringify({ resources: run.resources.length, violations })}\n`,
  );
}

function main(): number {
  let failed = false;
  for (const stack of stackNames()) {
    const out = spawnSync(process.execPath, [...process.execArgv, __filename, "--child", stack], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = out.stdout.split("\n").find((l) => l.startsWith(MARKER));
    if (!line) {
      process.stdout.write(`${stack}: the program did not run\n${out.stderr}\n`);
      failed = true;
      continue;
    }
    const { resources, violations } = JSON.parse(line.slice(MARKER.length)) as {
      resources: number;
      violations: string[];
    };
    process.stdout.write(
      `${stack}: ${resources} resources, ${LIMITS.length + 1} limits, ${violations.length} violations\n`,
    );
    for (const v of violations) process.stdout.write(`  ${v}\n`);
    failed ||= violations.length > 0;
  }
  return failed ? 1 : 0;
}

if (process.argv[2] === "--child") {
  child(process.argv[3] ?? "").catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
} else {
  process.exitCode = main();
}
