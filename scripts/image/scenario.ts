/**
 * Runs the built image's commands against the fauxqs emulator on the host's loopback, each in the
 * pod its spec builder describes (see pods.ts, containers.ts), and judges them (checks.ts).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { LocalStack } from "../../local/stack";
import { KEYS, resultKeysFor } from "@pipeline/processor/contract";
import { listKeys } from "../../local/bucket-reads";
import { tallyEvents } from "../../local/event-tally";
import {
  createResources,
  emulatorClients,
  emulatorEnvironment,
  queueDepth,
  startEmulator,
} from "../../local/emulator";
import { sequencerSource, uploadAndNotify } from "../../local/notifier";
import { random, seedCsv } from "../../local/seed";
import { localWorkloadInputs } from "../../local/specs";
import {
  fileVerdict,
  helpVerdict,
  outputsVerdict,
  consumeVerdict,
  produceVerdict,
  type Verdict,
} from "./checks";
import {
  imageConfig,
  processLimits,
  podmanOptions,
  runArgs,
  type PodSpecParts,
  type Store,
} from "./containers";
import { exec, say, type ExecResult } from "./exec";
import { processorPods, withEnv } from "./pods";

/** Events `produce` sends (EVENTS_TOTAL; the Deployment's 0 means "until stopped"). */
export const EVENTS_SENT = 40;

/** Rows of the CSV files the preprocess commands get. */
export const CSV_ROWS = 200;

/**
 * What the test sets on top of each pod's environment, beyond the emulator's endpoint and
 * credentials: one-second long polls, so a drained queue ends a command in a second, not twenty;
 * and METRICS_PORT 0 (a free port), because the containers share the host's network.
 */
export const TEST_OVERRIDES = {
  preprocess: { WAIT_TIME_SECONDS: "1" },
  consumer: { RECEIVE_WAIT_SECONDS: "1", METRICS_PORT: "0" },
  producer: { EVENTS_TOTAL: String(EVENTS_SENT), METRICS_PORT: "0" },
} as const;

/** The outcome of the scenario. */
export interface ScenarioResult {
  readonly verdicts: readonly Verdict[];
  /** Milliseconds from `podman run` of `preprocess` to its first log line. */
  readonly preprocessFirstLogMs?: number;
}

/** Where the runs happen. */
export interface ScenarioInput {
  readonly store: Store;
  readonly image: string;
  readonly stack: LocalStack;
}

/** Runs every command once and returns the verdicts (never throws for a failed command). */
export async function runScenario(input: ScenarioInput): Promise<ScenarioResult> {
  const podman = (args: string[]) => exec("podman", args);
  const { stack } = input;
  const podmanStore = podmanOptions(input.store);
  const config = imageConfig(
    (await podman([...podmanStore, "image", "inspect", input.image])).stdout,
  );
  // On vfs, the image's own root filesystem, run in place: no per-run copy into a container
  // layer (vfs copies the whole tree for each container). On overlay, the image itself.
  const target = input.store.persistent
    ? { image: input.image }
    : { rootfs: (await podman([...podmanStore, "image", "mount", input.image])).stdout.trim() };
  const emulator = await startEmulator(stack.settings.region);
  const files = mkdtempSync(join(tmpdir(), "pipeline-image-input-"));
  try {
    const clients = emulatorClients(emulator.endpoint, stack.settings.region);
    const resources = await createResources(clients, stack.names, stack.settings, 1);
    const pods = processorPods(stack.settings, localWorkloadInputs(stack.settings, resources));
    const ulimits = processLimits(readFileSync("/proc/self/limits", "utf8"));
    const aws = emulatorEnvironment(emulator.endpoint, stack.settings.region);
    const run = (pod: PodSpecParts, args?: string[], binds?: string[]): Promise<ExecResult> => {
      const argv = runArgs(input.store, pod, {
        target,
        image: config,
        env: aws,
        args,
        ulimits,
        binds,
      });
      say(`podman run … ${(args ?? pod.container.args ?? []).join(" ")}`);
      return exec("podman", argv, { echo: true, allowFailure: true });
    };
    const csv = Buffer.from(seedCsv(CSV_ROWS, random(16)));
    const verdicts: Verdict[] = [];

    const help = await run(pods.preprocess, ["--help"]);
    verdicts.push(helpVerdict(help.code, help.stdout + help.stderr, ["preprocess", "consume"]));

    // preprocess: one upload and the event S3 would send for it, then one KEDA job's pod.
    const key = `${KEYS.inputPrefix}image-test.csv`;
    await uploadAndNotify(
      {
        ...clients,
        region: stack.settings.region,
        bucket: resources.rawBucket,
        queueUrl: resources.preprocessQueueUrl,
      },
      key,
      csv,
      sequencerSource(),
    );
    const pre = await run(withEnv(pods.preprocess, TEST_OVERRIDES.preprocess));
    const preKeys = await listKeys(
      clients.s3,
      resources.processedBucket,
      resultKeysFor(key).resultsPrefix,
    );
    const preQueue = await queueDepth(clients.sqs, resources.preprocessQueueUrl);
    verdicts.push(
      outputsVerdict("preprocess", pre.code, preKeys, resultKeysFor(key).resultsPrefix, preQueue),
    );

    // preprocess-object: the orchestrated path's Job, for an object under its prefix (no event).
    const prefix = stack.settings.orchestration.prefix;
    const objectKey = `${prefix}image-test-object.csv`;
    await clients.s3.send(
      new PutObjectCommand({ Bucket: resources.rawBucket, Key: objectKey, Body: csv }),
    );
    const obj = await run(pods.preprocessObject, [
      "preprocess-object",
      "--bucket",
      resources.rawBucket,
      "--key",
      objectKey,
      "--prefix",
      prefix,
    ]);
    const objPrefix = resultKeysFor(objectKey, prefix).resultsPrefix;
    const objKeys = await listKeys(clients.s3, resources.processedBucket, objPrefix);
    verdicts.push(outputsVerdict("preprocess-object", obj.code, objKeys, objPrefix));

    const produce = await run(withEnv(pods.producer, TEST_OVERRIDES.producer));
    const produced = await queueDepth(clients.sqs, resources.eventsQueueUrl);
    verdicts.push(produceVerdict(produce.code, EVENTS_SENT, produced.visible));

    const consume = await run(withEnv(pods.consumer, TEST_OVERRIDES.consumer), [
      "consume",
      "--until-empty",
    ]);
    const objects = new Map<string, string>();
    for (const k of await listKeys(clients.s3, resources.eventsBucket)) {
      const body = await clients.s3.send(
        new GetObjectCommand({ Bucket: resources.eventsBucket, Key: k }),
      );
      objects.set(k, body.Body ? await body.Body.transformToString("utf8") : "");
    }
    const left = await queueDepth(clients.sqs, resources.eventsQueueUrl);
    verdicts.push(
      consumeVerdict(consume.code, EVENTS_SENT, tallyEvents(objects), left.visible + left.inFlight),
    );

    // preprocess-file: the CSV bound read-only at /input, the outputs into the pod's /tmp.
    // Readable by the container's user (10001), as a mounted ConfigMap or volume would be.
    chmodSync(files, 0o755);
    writeFileSync(join(files, "local.csv"), csv, { mode: 0o644 });
    const file = await run(
      pods.preprocess,
      ["preprocess-file", "/input/local.csv", "/tmp/out"],
      [`${files}:/input`],
    );
    verdicts.push(fileVerdict(file.code, file.stdout + file.stderr, CSV_ROWS));

    return { verdicts, preprocessFirstLogMs: pre.firstOutputMs };
  } finally {
    await emulator.stop();
    rmSync(files, { recursive: true, force: true });
  }
}
