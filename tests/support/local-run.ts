/**
 * Running local mode end to end from a test: the real entry point (`local/main.ts` under tsx) in its
 * own process group, so a failing test kills it and every child as a whole; the processor built
 * first when its sources are newer; and a look at a process's children in /proc.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");

/** Newest modification time under `dir` of files ending in `suffix`. */
function newest(dir: string, suffix: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full, suffix));
    else if (entry.name.endsWith(suffix)) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

/** Builds the processor when its compiled CLI is missing or older than its sources. */
export function ensureProcessorBuilt(): void {
  const cli = path.join(ROOT, "processor", "dist", "cli.js");
  let built: number;
  try {
    built = statSync(cli).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newest(path.join(ROOT, "processor", "src"), ".ts")) return;
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "processor/tsconfig.build.json",
    ],
    { cwd: ROOT, stdio: "pipe" },
  );
}

/** Local mode runs started by a test file; {@link LocalRuns.killAll} in its `afterAll`. */
export class LocalRuns {
  private readonly groups = new Set<number>();

  /** Starts local mode with `args` in its own process group. */
  start(args: readonly string[]): { proc: ChildProcess; output: () => string } {
    return this.script("local/main.ts", args);
  }

  /**
   * Starts `script` (a path from the repository root) with tsx and `args` in its own process group,
   * in `env`, collecting its output.
   */
  script(
    script: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): { proc: ChildProcess; output: () => string } {
    const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, FORCE_COLOR: "0" },
    });
    if (proc.pid) this.groups.add(proc.pid);
    let output = "";
    proc.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return { proc, output: () => output };
  }

  /** SIGKILLs every run's process group that is still there. */
  killAll(): void {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/** How `proc` exited (at once when it already has). */
export function exitOf(
  proc: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
    } else proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Resolves once `output()` matches `pattern`; rejects after `ms` with what was printed. */
export async function waitFor(
  output: () => string,
  pattern: RegExp,
  ms: number,
): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(output());
    if (m) return m;
    if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pids of `pid`'s direct children (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (after the parenthesised command name) is the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** The command line of process `pid` ("" once it has gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** Whether process `pid` still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The set-up of an end-to-end test file: the processor built before its tests, a scratch folder,
 * and the local-mode runs it starts, all killed and removed after them. Call at the top level.
 */
export function localRunSuite(prefix: string): { work: string; runs: LocalRuns } {
  const work = mkdtempSync(path.join(tmpdir(), prefix));
  const runs = new LocalRuns();
  beforeAll(() => {
    ensureProcessorBuilt();
  }, 120_000);
  afterAll(() => {
    runs.killAll();
    rmSync(work, { recursive: true, force: true });
  });
  return { work, runs };
}
