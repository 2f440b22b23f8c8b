/**
 * The AWS calls the processor really makes, recorded on the wire: every workload's command runs as
 * a child process with the environment its spec builder gives it, signing with its own access key,
 * against a recording proxy in front of the emulator. The recorded set must equal the committed one
 * (proof/calls/recorded.json, which `npm run proof` decides against every stack's policies), so
 * code that starts making a new call fails here until the set — and the proof — include it.
 * Regenerate after a deliberate change: `UPDATE_CALLS=1 npx jest tests/recorded-calls.test.ts`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { KEYS } from "@pipeline/processor/contract";
import { PROJECT, physicalNames } from "../config";
import {
  createResources,
  emulatorClients,
  queueDepth,
  type LocalResources,
} from "../local/emulator";
import { objectCreatedEvent, sequencerSource, uploadAndNotify } from "../local/notifier";
import { random, seedCsv } from "../local/seed";
import { containerEnv, localWorkloadInputs } from "../local/specs";
import { loadStack } from "../local/stack";
import {
  distinctRequests,
  requestId,
  type NameTokens,
  type RecordedRequest,
} from "../proof/calls/iam-requests";
import { startRecordingProxy, type RecordingProxy } from "../proof/calls/proxy";
import { RECORDED_FILE, type RecordedSet } from "../proof/calls/recorded";
import { processorPods } from "../scripts/image/pods";

const ROOT = path.resolve(__dirname, "..");
const CLI = path.join(ROOT, "processor", "bin", "processor.js");
const endpoint = process.env.FAUXQS_ENDPOINT ?? "";
const stack = loadStack("orchestrated", ROOT);
const region = stack.settings.region;
const prefix = stack.settings.orchestration.prefix;

let proxy: RecordingProxy;
let resources: LocalResources;
let names: ReturnType<typeof physicalNames>;
const clients = emulatorClients(endpoint, region);

/** A processor command running as `workload` (its own access key) through the proxy. */
function startAs(
  workload: string,
  env: Record<string, string>,
  args: readonly string[],
): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      ...env,
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: workload,
      AWS_SECRET_ACCESS_KEY: "recording",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
  return { child, done };
}

/** Runs a command to its end; a non-zero exit fails with its output. */
async function runAs(
  workload: string,
  env: Record<string, string>,
  args: readonly string[],
): Promise<string> {
  const { code, output } = await startAs(workload, env, args).done;
  if (code !== 0) throw new Error(`${workload} exited ${String(code)}:\n${output}`);
  expect(output).not.toMatch(/AccessDenied/);
  return output;
}

async function messagesLeft(queueUrl: string): Promise<number> {
  const depth = await queueDepth(clients.sqs, queueUrl);
  return depth.visible + depth.inFlight;
}

function tokens(): NameTokens {
  return {
    buckets: {
      [resources.rawBucket]: "raw",
      [resources.processedBucket]: "processed",
      [resources.eventsBucket]: "events",
    },
    queues: {
      [resources.preprocessQueueUrl]: "preprocessQueue",
      [resources.preprocessDlqUrl]: "preprocessDlq",
      [resources.eventsQueueUrl]: "eventsQueue",
      [resources.eventsDlqUrl]: "eventsDlq",
    },
    kmsBuckets: new Set([resources.rawBucket, resources.processedBucket, resources.eventsBucket]),
  };
}

beforeAll(async () => {
  if (!endpoint) throw new Error("FAUXQS_ENDPOINT is not set: run the tests through jest");
  proxy = await startRecordingProxy(endpoint);
  names = physicalNames(PROJECT, `rec-${randomBytes(3).toString("hex")}`);
  resources = await createResources(clients, names, stack.settings, 1);
}, 30_000);

afterAll(async () => {
  await proxy.close();
  clients.s3.destroy();
  clients.sqs.destroy();
});

it("records exactly the committed calls of every workload, on the wire", async () => {
  const pods = processorPods(stack.settings, localWorkloadInputs(stack.settings, resources));
  const env = (parts: { container: Parameters<typeof containerEnv>[0] }) =>
    containerEnv(parts.container);
  const target = {
    ...clients,
    region,
    bucket: resources.rawBucket,
    queueUrl: resources.preprocessQueueUrl,
  };
  const seq = sequencerSource();
  // The KEDA path: a good upload, a compressed one, one the job rejects, and an event for a key
  // that no longer exists (the job must see 404, not 403, and write an error report).
  await uploadAndNotify(
    target,
    `${KEYS.inputPrefix}good.csv`,
    Buffer.from(seedCsv(30, random(1))),
    seq,
  );
  await uploadAndNotify(
    target,
    `${KEYS.inputPrefix}packed.csv.gz`,
    gzipSync(seedCsv(20, random(2))),
    seq,
  );
  await uploadAndNotify(target, `${KEYS.inputPrefix}bad.csv`, Buffer.from("a,b\n1,2\n"), seq);
  const gone = objectCreatedEvent({
    region,
    bucket: resources.rawBucket,
    key: `${KEYS.inputPrefix}gone.csv`,
    size: 10,
    eTag: "0".repeat(32),
    sequencer: seq(),
    eventTime: new Date(),
  });
  await clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: resources.preprocessQueueUrl,
      MessageBody: JSON.stringify(gone),
    }),
  );
  const args = (parts: { container: { args?: string[] } }) => parts.container.args ?? [];
  // One job per upload, as KEDA starts them: run the job's pod until the queue is empty.
  for (let job = 0; job < 8 && (await messagesLeft(resources.preprocessQueueUrl)) > 0; job++) {
    await runAs(
      "preprocess",
      { ...env(pods.preprocess), WAIT_TIME_SECONDS: "1" },
      args(pods.preprocess),
    );
  }
  expect(await messagesLeft(resources.preprocessQueueUrl)).toBe(0);

  // The orchestrated path's job, for an object under its prefix.
  const objectKey = `${prefix}object.csv`;
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: resources.rawBucket,
      Key: objectKey,
      Body: seedCsv(25, random(3)),
    }),
  );
  await runAs("preprocess-object", env(pods.preprocessObject), [
    "preprocess-object",
    ...["--bucket", resources.rawBucket, "--key", objectKey, "--prefix", prefix],
  ]);

  await runAs(
    "producer",
    {
      ...env(pods.producer),
      EVENTS_TOTAL: "40",
      EVENTS_PER_SECOND: "0",
      // Both outcomes must occur: at one half, 40 events all good (or all bad) has odds of 2^-40.
      // At 0.1 a run with no bad event at all (0.9^40, 1.5 %) failed CI once.
      BAD_EVENT_RATIO: "0.5",
      METRICS_PORT: "0",
    },
    args(pods.producer),
  );
  // The consumer as its Deployment runs it (no --until-empty), stopped by SIGTERM once drained.
  const consumer = startAs(
    "consumer",
    { ...env(pods.consumer), RECEIVE_WAIT_SECONDS: "1", METRICS_PORT: "0" },
    args(pods.consumer),
  );
  const deadline = Date.now() + 60_000;
  while ((await messagesLeft(resources.eventsQueueUrl)) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
  }
  consumer.child.kill("SIGTERM");
  const stopped = await consumer.done;
  if (stopped.code !== 0)
    throw new Error(`consumer exited ${String(stopped.code)}:\n${stopped.output}`);
  expect(await messagesLeft(resources.eventsQueueUrl)).toBe(0);

  const recorded: RecordedSet = {};
  for (const workload of ["preprocess", "preprocess-object", "producer", "consumer"]) {
    const calls = proxy.calls.filter((c) => c.accessKeyId === workload);
    recorded[workload] = distinctRequests(calls, tokens());
  }
  // Every call was signed by one of the workloads: nothing else went through the proxy.
  expect(proxy.calls.filter((c) => !(c.accessKeyId in recorded))).toEqual([]);

  const file = path.join(ROOT, RECORDED_FILE);
  if (process.env.UPDATE_CALLS === "1") {
    writeFileSync(file, `${JSON.stringify(recorded, null, 2)}\n`);
  }
  const committed = JSON.parse(readFileSync(file, "utf8")) as RecordedSet;
  const ids = (set: RecordedSet) =>
    Object.fromEntries(
      Object.entries(set).map(([w, rs]) => [w, (rs as RecordedRequest[]).map(requestId).sort()]),
    );
  expect(ids(recorded)).toEqual(ids(committed));
}, 120_000);
