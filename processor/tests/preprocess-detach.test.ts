/**
 * A file small enough to run inline never detaches an ArrayBuffer: the first detach in a thread
 * invalidates V8's ArrayBufferDetaching protector, which throws away every optimized function that
 * reads a typed array (buffer-pool.ts `SurplusRelease`). Checked with V8's own trace of protector
 * invalidations, in a real process; a run with a worker, whose transfers detach buffers, shows the
 * trace does report it. The child hides WebAssembly from tsx, which loads the sources: its module
 * lexer is WebAssembly, and a WebAssembly memory that grows detaches its old buffer.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PIPELINE = join(__dirname, "..", "src", "preprocess", "pipeline.ts");
const INPUT = join(__dirname, "fixtures", "preprocess", "mock-400", "input.csv");
const TRACE = "Invalidating protector cell ArrayBufferDetaching";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "preprocess-detach-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Preprocesses INPUT with `workers` in a fresh process; its stdout (V8's traces) and outputs. */
function run(workers: number): { trace: string; cleaned: Buffer } {
  const out = join(work, `out-${workers}`);
  const code = `delete globalThis.WebAssembly;
require(${JSON.stringify(require.resolve("tsx/cjs"))});
require(${JSON.stringify(PIPELINE)})
  .preprocessFile(${JSON.stringify(INPUT)}, ${JSON.stringify(out)}, { workers: ${workers} })
  .then(() => process.stdout.write("done\\n"));`;
  const child = spawnSync(process.execPath, ["--trace-protector-invalidation", "-e", code], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`exit ${child.status}: ${child.stderr}`);
  expect(child.stdout).toContain("done");
  return { trace: child.stdout, cleaned: readFileSync(join(out, "cleaned_data.csv")) };
}

test("an inline run detaches no buffer, so V8 keeps its optimized typed-array code", () => {
  const inline = run(0);
  const pooled = run(1);
  expect(inline.trace).not.toContain(TRACE);
  // The trace does show a detach: a worker's chunks are transferred to it and back.
  expect(pooled.trace).toContain(TRACE);
  expect(inline.cleaned.equals(pooled.cleaned)).toBe(true);
});
