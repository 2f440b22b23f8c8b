/**
 * The smoke test proven against local mode: `npm start -- --serve --outputs-json FILE` keeps the
 * emulator stack working and writes its outputs as `pulumi stack output --json` prints them, and
 * `npm run smoke -- --outputs FILE` runs against it unchanged — passing, touching nothing but what
 * it created; and, with the consumer paused (SIGUSR2, KEDA's paused-replicas: "0"), failing with
 * what did not appear, where, and where to look next. Each process runs in its own group, killed
 * as a whole if a test fails (tests/support/serve-smoke.ts).
 */
import { readFileSync } from "node:fs";
import { outputsProblems } from "../scripts/smoke/outputs";
import { stackOutputJson } from "../local/serve-outputs";
import { exitOf, waitFor } from "./support/local-run";
import { servedSuite, type Served } from "./support/serve-smoke";

const suite = servedSuite("smoke-local-", "dev", [
  ...["--files", "1", "--no-bad-file", "--max-rows", "200", "--events", "40"],
]);
const { runs, smoke } = suite;
const allKeys = suite.bucketKeys;

let local: Served;
beforeAll(() => {
  local = suite.local();
});

it("writes the emulator stack's outputs with every output of the contract, as pulumi prints them", () => {
  expect(local.output()).toContain("Accounting OK");
  const text = readFileSync(local.outputsFile, "utf8");
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
  const run = runs.script("scripts/smoke/main.ts", suite.smokeArgs(), local.env);
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
