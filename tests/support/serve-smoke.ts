/**
 * The smoke test against local mode, from a test: local mode started with `--serve --outputs-json`
 * (the client environment taken from the line it prints for other clients), and
 * `npm run smoke -- --outputs FILE` run as tsx against it, each in its own process group.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { exitOf, waitFor, type LocalRuns } from "./local-run";

/** A local mode serving its stack. */
export interface Served {
  readonly proc: ChildProcess;
  readonly output: () => string;
  readonly outputsFile: string;
  /** What local mode says its clients need (endpoints, region, credentials). */
  readonly vars: Readonly<Record<string, string>>;
  /** This process's environment with `vars` and no profile: what the smoke runs in. */
  readonly env: NodeJS.ProcessEnv;
  /** The stack's outputs as local mode wrote them. */
  outputs(): Record<string, unknown>;
}

/** Starts local mode serving with `args` (after `--serve --outputs-json`); resolves once it serves. */
export async function serveLocal(
  runs: LocalRuns,
  work: string,
  args: readonly string[],
  ms = 110_000,
): Promise<Served> {
  const outputsFile = path.join(work, "outputs.json");
  const local = runs.start(["--serve", "--outputs-json", outputsFile, ...args]);
  const exited = exitOf(local.proc).then((e): never => {
    throw new Error(`local mode exited ${e.code ?? e.signal} before serving:\n${local.output()}`);
  });
  const m = await Promise.race([waitFor(local.output, /clients need: (.*)\n/, ms), exited]);
  const vars = Object.fromEntries(
    (m[1] ?? "").split(" ").map((kv) => kv.split("=", 2) as [string, string]),
  );
  return {
    ...local,
    outputsFile,
    vars,
    env: { ...process.env, ...vars, AWS_PROFILE: undefined },
    outputs: () => JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, unknown>,
  };
}

/** The smoke's arguments against `served` with the settings of `stack`, at `timeScale`. */
export function smokeArgs(served: Served, stack: string, timeScale: string): string[] {
  return ["--outputs", served.outputsFile, "--stack", stack, "--time-scale", timeScale, "--plain"];
}

/** Runs the smoke test with `args` in `served`'s client environment; resolves once it exits. */
export async function runSmokeAgainst(
  runs: LocalRuns,
  served: Served,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  const run = runs.script("scripts/smoke/main.ts", args, served.env);
  const exit = await exitOf(run.proc);
  return { code: exit.code, output: run.output() };
}

/** An S3 client of the served emulator. */
export function servedS3(served: Served): S3Client {
  return new S3Client({
    region: served.vars.AWS_REGION,
    endpoint: served.vars.AWS_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: {
      accessKeyId: served.vars.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: served.vars.AWS_SECRET_ACCESS_KEY ?? "",
    },
  });
}

/** Every key (`bucket/key`) of the served stack's raw, processed and events buckets, sorted. */
export async function bucketKeys(s3: S3Client, served: Served): Promise<string[]> {
  const outputs = served.outputs();
  const keys: string[] = [];
  for (const name of ["rawBucketName", "processedBucketName", "eventsBucketName"]) {
    const bucket = String(outputs[name]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    keys.push(...(listed.Contents ?? []).map((o) => `${bucket}/${o.Key}`));
  }
  return keys.sort();
}
