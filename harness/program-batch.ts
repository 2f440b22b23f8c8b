/**
 * Runs the real program (`index.ts`) under the mocks for many (project, stack, config) cases in one
 * child process and checks each recorded resource graph against AWS's input limits
 * (`policy/limits/catalog.ts`). For the settings property tests, which need hundreds of program runs.
 *
 * A run in a jest sandbox costs about a second (`jest.isolateModulesAsync` reloads and re-links the
 * program's modules); here the SDK and the program's own modules (config/, infra/, k8s/: pure, no
 * state at import) load once, and each case only resets the Pulumi runtime (as `runProgramFile` does)
 * and re-evaluates `index.ts`. The first and last results carry a digest of the graph, so a caller
 * can run a case first and last and prove nothing leaks from one run into the next; the last also
 * says whether the second run's graph was garbage by then (nothing keeps a finished run alive).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import LeakDetector from "jest-leak-detector";
import { limitViolations } from "../policy/limits/catalog";
import { runProgramFile, type RecordedResource } from "./program";

const ROOT = join(__dirname, "..");
const PROGRAM = join(ROOT, "index.ts");
const MARKER = "BATCH-RESULT ";
/** Node's own `require` (its cache is the one the program's modules live in). */
const nodeRequire = createRequire(__filename);
/**
 * A run allocates a few hundred MB of short-lived objects; a larger young generation halves the
 * scavenges. 128 MB: CPU per dev case 93-97 ms at 64, 75-86 at 128, 74-88 at 256, 90 at 512
 * (page faults), 118-127 at 16 (BATCH_NODE_FLAGS replaces these, for measuring).
 */
const CHILD_FLAGS = (process.env.BATCH_NODE_FLAGS ?? "--max-semi-space-size=128")
  .split(" ")
  .filter(Boolean);

/** One program run: the project and stack names it runs as and its whole config map. */
export interface BatchCase {
  readonly project: string;
  readonly stack: string;
  /** Full config keys (`aws:region`, `event-pipeline:queues`, ...), as a stack file holds them. */
  readonly config: Record<string, unknown>;
}

/** What one run gave: the graph's size and digest and its limit violations, or why it failed. */
export interface BatchResult {
  readonly resources: number;
  readonly violations: readonly string[];
  /**
   * {@link graphDigest} of the recorded resources, for the first and the last case (hashing every
   * graph cost 3 ms a case); empty for the others.
   */
  readonly digest: string;
  /**
   * On the last result: whether the second run's graph (its records and the program's exports,
   * which reach every resource object) had been garbage-collected by then. Not the first run's:
   * Node keeps the module that first required the program's modules (index.ts of the first run) as
   * their `parent`.
   */
  readonly secondRunReleased?: boolean;
  /** The run's own time, ms: wall clock and the process's CPU (user + system). */
  readonly ms: number;
  readonly cpuMs: number;
  /** Set when the program failed (parse error, unexpected invoke, rejected output). */
  readonly error?: string;
}

/**
 * Runs `cases` in a child process (Node with tsx, from the repository root) and returns one result
 * per case, in order. Rejects only when the child itself fails, or is still running after
 * `timeoutMs` (then it is killed, so a timed-out test leaves no process behind). `program`: the
 * program file each case evaluates (default `index.ts`; `npm run bench:property` also runs a
 * program of trivial resources of the same count).
 */
export async function runBatch(
  cases: readonly BatchCase[],
  timeoutMs = 0,
  program = PROGRAM,
): Promise<BatchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "program-batch-"));
  const input = join(dir, "cases.json");
  writeFileSync(input, JSON.stringify(cases));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [...CHILD_FLAGS, "--import", "tsx", __filename, "--child", input, program],
        { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
    if (!line) throw new Error(`the batch child printed no result:\n${stdout.slice(-2000)}`);
    return JSON.parse(line.slice(MARKER.length)) as BatchResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * sha256 of every resource's type, name, URN and inputs, in URN order (the order resources register
 * in follows promise scheduling, which is not part of the graph).
 */
export function graphDigest(resources: readonly RecordedResource[]): string {
  const entries = resources.map((r) => JSON.stringify([r.urn, r.type, r.name, r.inputs])).sort();
  return createHash("sha256").update(entries.join("\n")).digest("hex");
}

/**
 * A fresh evaluation of the program file: only `index.ts` leaves the module cache, and this
 * module's `children`, which would otherwise keep every earlier run's exports (and graph) alive.
 */
async function loadProgram(file: string): Promise<Record<string, unknown>> {
  const path = nodeRequire.resolve(file);
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- dropping one cached module
  delete nodeRequire.cache[path];
  module.children = module.children.filter((m) => m.id !== path);
  return Promise.resolve(module.require(path) as Record<string, unknown>);
}

async function runCase(
  program: string,
  c: BatchCase,
  digest: boolean,
): Promise<{ result: BatchResult; graph?: readonly object[] }> {
  let exported: object | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const time = () => {
    const used = process.cpuUsage(cpu);
    return {
      ms: Math.round(performance.now() - started),
      cpuMs: Math.round((used.user + used.system) / 1000),
    };
  };
  try {
    const run = await runProgramFile(program, c.stack, {}, (load) => load(), {
      project: c.project,
      config: c.config,
      load: async (file) => (exported = await loadProgram(file)),
    });
    const result = {
      resources: run.resources.length,
      violations: limitViolations(run.resources),
      digest: digest ? graphDigest(run.resources) : "",
      ...time(),
    };
    return { result, graph: exported ? [run.resources, exported] : [run.resources] };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { result: { resources: 0, violations: [], digest: "", ...time(), error: message } };
  }
}

/**
 * The SDK decorates every promise it makes for its leak report (three properties, a stack trace and
 * two more promises each): a fifth of a run here, and the report only prints at process exit. The
 * graph is the same without it (tests/support/settings-property.ts compares the batch's digest with
 * the harness's own run).
 */
function skipPromiseDecoration(): void {
  if (process.env.BATCH_DEBUGGABLE_PROMISES) return;
  const debuggable = nodeRequire("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(p: Promise<T>) => Promise<T>;
  };
  debuggable.debuggablePromise = (p) => p;
}

async function child(input: string, program: string): Promise<void> {
  skipPromiseDecoration();
  const cases = JSON.parse(readFileSync(input, "utf8")) as BatchCase[];
  const results: BatchResult[] = [];
  let secondGraph: LeakDetector[] = [];
  for (const [i, c] of cases.entries()) {
    const { result, graph } = await runCase(program, c, i === 0 || i === cases.length - 1);
    if (i === 1) secondGraph = (graph ?? []).map((g) => new LeakDetector(g));
    results.push(result);
  }
  const last = results.at(-1);
  if (secondGraph.length && last && results.length > 2) {
    const leaking = await Promise.all(secondGraph.map((d) => d.isLeaking()));
    results[results.length - 1] = { ...last, secondRunReleased: !leaking.includes(true) };
  }
  process.stdout.write(`${MARKER}${JSON.stringify(results)}\n`);
}

if (require.main === module && process.argv[2] === "--child") {
  child(process.argv[3] ?? "", process.argv[4] ?? PROGRAM).catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
}
