/**
 * The smoke test against local mode, from a test: local mode started with `--serve --outputs-json`
 * (the client environment taken from the line it prints for other clients), and
 * `npm run smoke -- --outputs FILE` run as tsx against it, each in its own process group.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { exitOf, localRunSuite, waitFor, type LocalRuns } from "./local-run";

/** The time scale the served stacks run at, and the smoke's timeouts with them. */
export const SERVE_TIME_SCALE = "0.05";

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

/** A client configuration for the served emulator at `endpoint` (default: its S3/SQS/SNS one). */
export function servedClientConfig(served: Served, endpoint = served.vars.AWS_ENDPOINT_URL) {
  return {
    region: served.vars.AWS_REGION,
    endpoint,
    credentials: {
      accessKeyId: served.vars.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: served.vars.AWS_SECRET_ACCESS_KEY ?? "",
    },
  };
}

/** An S3 client of the served emulator. */
export function servedS3(served: Served): S3Client {
  return new S3Client({ ...servedClientConfig(served), forcePathStyle: true });
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

/**
 * The set-up of a test file that runs the smoke against local mode serving `stack` (with `args`
 * after `--serve --outputs-json FILE --stack`, at {@link SERVE_TIME_SCALE}): the served stack and an
 * S3 client of it before the tests, everything killed and removed after them. Call at the top level.
 */
export function servedSuite(prefix: string, stack: string, args: readonly string[]) {
  const { work, runs } = localRunSuite(prefix);
  let served: Served | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    served = await serveLocal(runs, work, [
      ...["--stack", stack, ...args, "--time-scale", SERVE_TIME_SCALE, "--plain"],
      ...["--log-dir", path.join(work, "logs")],
    ]);
    s3 = servedS3(served);
  }, 120_000);
  afterAll(() => s3?.destroy());
  const local = (): Served => {
    if (!served) throw new Error("local mode is not serving (its beforeAll failed)");
    return served;
  };
  return {
    runs,
    local,
    /** The smoke's arguments against the served stack. */
    smokeArgs: () => smokeArgs(local(), stack, SERVE_TIME_SCALE),
    /** Runs the smoke against the served stack. */
    smoke: () => runSmokeAgainst(runs, local(), smokeArgs(local(), stack, SERVE_TIME_SCALE)),
    /** Every key of the served stack's three buckets. */
    bucketKeys: () => bucketKeys(s3 as S3Client, local()),
  };
}
