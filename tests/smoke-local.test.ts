/**
 * The smoke test proven against local mode: `npm start -- --serve --outputs-json FILE` keeps the
 * emulator stack working and writes its outputs as `pulumi stack output --json` prints them, and
 * `npm run smoke -- --outputs FILE` runs against it unchanged — passing, touching nothing but what
 * it created; and, with the consumer paused (SIGUSR2, KEDA's paused-replicas: "0"), failing with
 * what did not appear, where, and where to look next. Each process runs in its own group, killed
 * as a whole if a test fails.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { outputsProblems } from "../scripts/smoke/outputs";
import { stackOutputJson } from "../local/serve-outputs";

const root = path.resolve(__dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "smoke-local-"));
const outputsFile = path.join(work, "outputs.json");
const groups = new Set<number>();
const TIME_SCALE = "0.05";

/** Newest modification time under `dir` of `.ts` files. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith(".ts")) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

/** Builds the processor when its compiled CLI is missing or older than its sources. */
function ensureProcessorBuilt(): void {
  let built: number;
  try {
    built = statSync(path.join(root, "processor", "dist", "cli.js")).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newest(path.join(root, "processor", "src"))) return;
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "processor/tsconfig.build.json"], { cwd: root });
}

/** Starts `script` with tsx in its own process group, collecting its output. */
function start(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, FORCE_COLOR: "0" },
  });
  if (proc.pid) groups.add(proc.pid);
  let output = "";
  proc.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { proc, output: () => output };
}

function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode });
    } else proc.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Resolves once `output()` matches `pattern`; rejects after `ms` with what was printed. */
async function waitFor(
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

let local: ReturnType<typeof start>;
let clientEnv: NodeJS.ProcessEnv;
let s3: S3Client;

/** Every key of the emulator stack's three buckets. */
async function allKeys(): Promise<string[]> {
  const outputs = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, string>;
  const keys: string[] = [];
  for (const bucket of ["rawBucketName", "processedBucketName", "eventsBucketName"]) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: outputs[bucket] }));
    keys.push(...(listed.Contents ?? []).map((o) => `${outputs[bucket]}/${o.Key}`));
  }
  return keys.sort();
}

/** Runs `npm run smoke -- --outputs FILE` (as tsx, without npm) against the served stack. */
async function smoke(): Promise<{ code: number | null; output: string }> {
  const run = start(
    "scripts/smoke/main.ts",
    ["--outputs", outputsFile, "--stack", "dev", "--time-scale", TIME_SCALE, "--plain"],
    clientEnv,
  );
  const exit = await exitOf(run.proc);
  return { code: exit.code, output: run.output() };
}

beforeAll(async () => {
  ensureProcessorBuilt();
  local = start("local/main.ts", [
    ...["--serve", "--outputs-json", outputsFile, "--files", "1", "--no-bad-file"],
    ...["--max-rows", "200", "--events", "40", "--time-scale", TIME_SCALE, "--plain"],
    ...["--log-dir", path.join(work, "logs")],
  ]);
  const m = await waitFor(local.output, /clients need: (.*)\n/, 110_000);
  // The emulator's endpoint and credentials, as local mode prints them for other clients.
  const vars = Object.fromEntries((m[1] ?? "").split(" ").map((kv) => kv.split("=", 2)));
  clientEnv = { ...process.env, ...vars, AWS_PROFILE: undefined };
  s3 = new S3Client({
    region: vars.AWS_REGION,
    endpoint: vars.AWS_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}, 120_000);

afterAll(() => {
  s3?.destroy();
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

it("writes the emulator stack's outputs with every output of the contract, as pulumi prints them", () => {
  expect(local.output()).toContain("Accounting OK");
  const text = readFileSync(outputsFile, "utf8");
  const outputs = JSON.parse(text) as Record<string, unknown>;
  expect(outputsProblems(outputs, false)).toEqual([]);
  expect(text).toBe(stackOutputJson(outputs));
  expect(Object.keys(outputs)).toEqual(Object.keys(outputs).sort());
  expect(outputs.eventsQueueUrl).toMatch(/event-pipeline-dev-events$/);
});

it("passes against local mode serving the dev stack and leaves the buckets as it found them", async () => {
  const before = await allKeys();
  const run = await smoke();
  if (run.code !== 0)
    throw new Error(`smoke exited ${run.code}:\n${run.output}\n${local.output()}`);
  expect(run.output).toContain("smoke test passed");
  for (const step of ["outputs (input/)", "events stored", "invalid event quarantined"]) {
    expect(run.output).toMatch(new RegExp(`  ${step.replace(/[()/]/g, "\\$&")} +\\d+\\.\\d s\\n`));
  }
  expect(run.output).toMatch(/removed \d+ object\(s\) it created\n/);
  // The bucket notification's stand-in saw the upload; the consumer came up from zero for it.
  expect(local.output()).toMatch(/serve: bucket notification: ObjectCreated:Put for input\/smoke-/);
  expect(await allKeys()).toEqual(before);
}, 90_000);

it("fails with exit 1, naming what did not appear, where, and where to look, when the consumer is paused", async () => {
  process.kill(local.proc.pid as number, "SIGUSR2");
  await waitFor(local.output, /serve: consumer paused at 0 replicas/, 10_000);
  const run = await smoke();
  expect(run.code).toBe(1);
  const out = run.output;
  // The file still gets its outputs: only the consumer's steps fail.
  expect(out).toMatch(/ {2}outputs \(input\/\) +\d+\.\d s\n/);
  expect(out).toContain("FAILED events stored:");
  expect(out).toContain("FAILED invalid event quarantined:");
  expect(out).toMatch(
    /did not appear within \d+ s \(ScaledObject polling interval 15 s \+ pod start/,
  );
  expect(out).toMatch(/expected under s3:\/\/event-pipeline-dev-events\/events\/event_type=/);
  expect(out).toMatch(/events queue \S+event-pipeline-dev-events: \d+ visible/);
  expect(out).toMatch(/events DLQ \S+event-pipeline-dev-events-dlq: 0 visible, 0 in flight/);
  expect(out).toContain(
    "kubectl -n pipeline logs -l app.kubernetes.io/name=processor,app.kubernetes.io/component=consumer",
  );
  expect(out).toContain("aws eks update-kubeconfig --name event-pipeline-dev --region eu-west-1");
  expect(out).toContain("smoke test failed: events stored, invalid event quarantined");
}, 90_000);

it("an interrupted smoke test exits 130 and removes its upload", async () => {
  const run = start(
    "scripts/smoke/main.ts",
    ["--outputs", outputsFile, "--stack", "dev", "--time-scale", TIME_SCALE, "--plain"],
    clientEnv,
  );
  const m = await waitFor(run.output, /uploading (input\/smoke-\S+\.csv)/, 20_000);
  await waitFor(run.output, /^\[\d+\.\d s\] /m, 20_000);
  process.kill(run.proc.pid as number, "SIGTERM");
  expect(await exitOf(run.proc)).toEqual({ code: 130, signal: null });
  expect(run.output()).toContain("smoke: interrupted (SIGTERM); removing what it created so far");
  expect((await allKeys()).filter((k) => k.endsWith(m[1] ?? "?"))).toEqual([]);
}, 60_000);

it("stops serving on SIGTERM with exit 0", async () => {
  process.kill(local.proc.pid as number, "SIGTERM");
  const exit = await exitOf(local.proc);
  expect(exit).toEqual({ code: 0, signal: null });
}, 60_000);
