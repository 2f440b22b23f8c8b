// `npm run bench:events`: events per second of ONE consumer process (`processor consume
// --until-empty`) draining BENCH_EVENTS events (default 20,000) from the fauxqs emulator, next to a
// bare ReceiveMessage/DeleteMessageBatch drain of the same emulator in the same run, and the S3 PUTs
// per event. The emulator, the bare drain and the consumer each run in their own process; every
// queue is filled just before it is drained, so both drains see the same emulator state. Also checks
// that every valid event was stored exactly once and every bad one quarantined.
// Goals: consumer rate >= 0.70 of the bare rate, <= 0.01 PUTs per event. Exit code 1 if missed.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { KEYS } from "../src/contract";
import { EventGenerator, seededRandom, type GeneratedEvent } from "../src/events/generator";
import { runProducer } from "../src/events/producer";

const PROCESSOR = resolve(__dirname, "..");
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.RECEIVE_CONCURRENCY ?? 4);
const GOAL_RATIO = 0.7;
const GOAL_PUTS = 0.01;
// Both drains are timed from their first message received until they know the queue is empty and
// have finished (each long-polls the empty queue once: the --until-empty rule). The time to the
// last delete is printed too; the consumer deletes its last batches only after that empty poll.
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };

/** A drain: first message received → drained and done, and → last message deleted. */
interface Drain {
  readonly messages: number;
  readonly drainSeconds: number;
  readonly lastDeleteSeconds: number;
}

/** Starts a process and resolves with its stdout lines once it exits 0. */
function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: PROCESSOR,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => lines.push(line));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done(lines) : fail(new Error(`${args.join(" ")} exited with ${code}`)),
    );
  });
}

async function startEmulator(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/events-emulator.ts", "0"], {
    cwd: PROCESSOR,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout }).once("line", ok);
    child.once("exit", (code) => fail(new Error(`emulator exited with ${code}`)));
  });
  return { endpoint: (JSON.parse(line) as { endpoint: string }).endpoint, child };
}

async function fill(sqs: SQSClient, queueUrl: string, seed: number): Promise<GeneratedEvent[]> {
  const sent: GeneratedEvent[] = [];
  const generator = new EventGenerator({ badEventRatio: 0.01, random: seededRandom(seed) });
  const summary = await runProducer({
    sqs,
    queueUrl,
    generator: {
      next: () => {
        const event = generator.next();
        sent.push(event);
        return event;
      },
    },
    total: EVENTS,
    eventsPerSecond: 0,
    concurrency: 8,
  });
  if (summary.sent !== EVENTS) throw new Error(`filled ${summary.sent} of ${EVENTS}`);
  return sent;
}

async function bareDrain(endpoint: string, queueUrl: string): Promise<Drain> {
  const lines = await run([
    "--import",
    "tsx",
    "bench/events-bare-drain.ts",
    endpoint,
    queueUrl,
    String(CONCURRENCY),
  ]);
  return JSON.parse(lines.at(-1) ?? "{}") as Drain;
}

async function consumerDrain(endpoint: string, queueUrl: string, bucket: string) {
  const lines = await run(
    [
      "--import",
      "tsx",
      "-e",
      "require('./src/cli.ts').main(process.argv.slice(1))",
      "consume",
      "--until-empty",
    ],
    {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      EVENTS_QUEUE_URL: queueUrl,
      EVENTS_BUCKET: bucket,
      METRICS_PORT: "0",
    },
  );
  const summary = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === "consumer stopped");
  if (!summary) throw new Error("the consumer printed no summary");
  return summary as unknown as Drain & { deleted: number; objects: number; duplicates: number };
}

/** Checks the bucket: every valid event once under events/, every bad one under quarantine/. */
async function verify(s3: S3Client, bucket: string, sent: readonly GeneratedEvent[]) {
  const stored = new Map<string, number>();
  const quarantined = new Set<string>();
  let objects = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      objects++;
      const body = await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
      ).Body?.transformToString();
      for (const line of (body ?? "").split("\n").filter(Boolean)) {
        const record = JSON.parse(line) as { request_id?: string };
        const id = record.request_id ?? "";
        if (Key?.startsWith(KEYS.eventsPrefix)) stored.set(id, (stored.get(id) ?? 0) + 1);
        else quarantined.add(id);
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  const valid = sent.filter((e) => !e.bad);
  const missing = valid.filter((e) => !stored.has(e.requestId)).length;
  const duplicated = [...stored.values()].filter((n) => n > 1).length;
  const badMissing = sent.filter((e) => e.bad && !quarantined.has(e.requestId)).length;
  return { objects, missing, duplicated, badMissing };
}

async function main(): Promise<void> {
  const { endpoint, child } = await startEmulator();
  const sqs = new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  const s3 = new S3Client({ endpoint, region: "us-east-1", credentials, forcePathStyle: true });
  const rows: {
    round: number;
    bare: number;
    consumer: number;
    ratio: number;
    ratioToLastDelete: number;
    puts: number;
  }[] = [];
  let ok = true;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const suffix = randomBytes(4).toString("hex");
      const queue = async (name: string) =>
        (
          await sqs.send(
            new CreateQueueCommand({
              QueueName: `${name}-${suffix}`,
              Attributes: { VisibilityTimeout: "120" },
            }),
          )
        ).QueueUrl ?? "";
      const bareQueue = await queue("bare");
      const consumerQueue = await queue("consumer");
      const bucket = `events-${suffix}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      // Alternate which drain goes first, so neither always meets a fresher emulator.
      let bare: Drain | undefined;
      let consumer: Awaited<ReturnType<typeof consumerDrain>> | undefined;
      let sent: GeneratedEvent[] = [];
      for (const which of round % 2 === 1 ? ["bare", "consumer"] : ["consumer", "bare"]) {
        if (which === "bare") {
          await fill(sqs, bareQueue, round * 2);
          bare = await bareDrain(endpoint, bareQueue);
        } else {
          sent = await fill(sqs, consumerQueue, round * 2 + 1);
          consumer = await consumerDrain(endpoint, consumerQueue, bucket);
        }
      }
      if (!bare || !consumer) throw new Error("a drain did not run");
      const check = await verify(s3, bucket, sent);
      const bareRate = bare.messages / bare.drainSeconds;
      const consumerRate = consumer.deleted / consumer.drainSeconds;
      const toLastDelete = {
        bare: Math.round(bare.messages / bare.lastDeleteSeconds),
        consumer: Math.round(consumer.deleted / consumer.lastDeleteSeconds),
      };
      const row = {
        round,
        bare: Math.round(bareRate),
        consumer: Math.round(consumerRate),
        ratio: Number((consumerRate / bareRate).toFixed(2)),
        ratioToLastDelete: Number((toLastDelete.consumer / toLastDelete.bare).toFixed(2)),
        puts: Number((check.objects / EVENTS).toFixed(5)),
      };
      rows.push(row);
      console.log(
        `round ${round}: bare drain ${row.bare} events/s (${bare.messages} in ${bare.drainSeconds}s), ` +
          `consumer ${row.consumer} events/s (${consumer.deleted} in ${consumer.drainSeconds}s), ` +
          `to the last delete ${toLastDelete.bare} vs ${toLastDelete.consumer} events/s, ` +
          `ratio ${row.ratio}, ${check.objects} objects = ${row.puts} PUTs/event, ` +
          `missing ${check.missing}, duplicated ${check.duplicated}, bad not quarantined ${check.badMissing}`,
      );
      if (check.missing > 0 || check.badMissing > 0) ok = false;
    }
  } finally {
    sqs.destroy();
    s3.destroy();
    child.kill("SIGTERM");
  }
  // The machine may be shared: the median round is the figure, the others show the spread.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const ratio = median(rows.map((r) => r.ratio));
  const puts = Math.max(...rows.map((r) => r.puts));
  console.log(
    JSON.stringify({
      events: EVENTS,
      rounds: rows.length,
      receiveConcurrency: CONCURRENCY,
      bareEventsPerSecond: median(rows.map((r) => r.bare)),
      consumerEventsPerSecond: median(rows.map((r) => r.consumer)),
      ratio,
      ratioToLastDelete: median(rows.map((r) => r.ratioToLastDelete)),
      putsPerEvent: puts,
      goals: { ratio: `>= ${GOAL_RATIO}`, putsPerEvent: `<= ${GOAL_PUTS}` },
      met: ok && ratio >= GOAL_RATIO && puts <= GOAL_PUTS,
    }),
  );
  if (!(ok && ratio >= GOAL_RATIO && puts <= GOAL_PUTS)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
