/**
 * The preprocess job against a real S3/SQS emulator (fauxqs on 127.0.0.1) with real SDK clients:
 * upload → S3 event → job → four outputs and the message deleted, and the failure policy — nothing
 * is ever lost. fauxqs sends no bucket notifications, so the tests send the exact S3 event shape.
 */
import { spawn } from "node:child_process";
import { getEventListeners } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { s3ClientConfig, sqsClientConfig } from "../src/aws";
import { gzipModeFor } from "../src/preprocess/object-processing";
import { resultKeysFor } from "../src/contract";
import {
  credentials,
  depth,
  endpoint,
  FIXTURES,
  freshPipeline,
  keys,
  s3Event,
  settings,
  sqs,
  suffix,
  text,
  upload,
  type Pipeline,
  scratchJobs,
} from "./support/preprocess-harness";

const ROOT = resolve(__dirname, "../..");

const { job, workDir } = scratchJobs("preprocess-job-");

const golden = (name: string, file: string) =>
  readFileSync(join(FIXTURES, name, "expected", file), "utf8");

describe("preprocess job", () => {
  test("an upload becomes four outputs under its deterministic prefix, then the message is deleted", async () => {
    const p = await freshPipeline();
    const key = "input/daily report+v1 é.csv";
    const eTag = await upload(p, key, readFileSync(join(FIXTURES, "mock-400", "input.csv")));
    const { run, msgs } = job(p);
    const summary = await run;

    expect(summary).toMatchObject({ received: 1, deleted: 1, left: 0, objectsProcessed: 1 });
    const prefix = "output/daily report+v1 é/";
    expect(await keys(p.processed)).toEqual(
      [
        "cleaned_data.csv",
        "department_statistics.csv",
        "quality_metrics.json",
        "transformed_data.csv",
      ].map((f) => prefix + f),
    );
    for (const f of ["cleaned_data.csv", "transformed_data.csv", "department_statistics.csv"]) {
      expect(await text(p.processed, prefix + f)).toBe(golden("mock-400", f));
    }
    const metrics = JSON.parse(await text(p.processed, `${prefix}quality_metrics.json`));
    expect(metrics).toEqual({
      ...JSON.parse(golden("mock-400", "quality_metrics.json")),
      source: { bucket: p.raw, key, etag: eTag },
    });
    expect(msgs()).toEqual(
      expect.arrayContaining(["received", "downloaded", "rows", "written", "deleted"]),
    );
    expect(msgs().indexOf("deleted")).toBeGreaterThan(msgs().indexOf("written"));
    expect(await depth(p.queueUrl)).toBe(0);
  });

  test("the ready file appears once the job holds its message, not before, and never for an empty queue", async () => {
    const p = await freshPipeline();
    const readyFile = join(workDir(), `ready-${suffix()}`);
    await job(p, { readyFile }).run;
    expect(existsSync(readyFile)).toBe(false);

    await upload(p, "input/ready.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    let readyAtReceive: boolean | undefined;
    const { run } = job(p, { readyFile }, (line) => {
      // "received" is logged after the file is written and before any work on the object.
      if (line.msg === "received") readyAtReceive = existsSync(readyFile);
    });
    expect(await run).toMatchObject({ received: 1, deleted: 1 });
    expect(readyAtReceive).toBe(true);
  });

  test("a long job leaves no listeners on its shutdown signal (no leak per object)", async () => {
    const p = await freshPipeline();
    const input = readFileSync(join(FIXTURES, "types", "input.csv"));
    for (const name of ["a", "b", "c"]) await upload(p, `input/${name}.csv`, input);
    const controller = new AbortController();
    const summary = await job(p, { signal: controller.signal }).run;

    expect(summary).toMatchObject({ received: 3, deleted: 3, objectsProcessed: 3 });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  test("the same message delivered twice rewrites byte-identical outputs", async () => {
    const p = await freshPipeline();
    const key = "input/twice.csv";
    await upload(p, key, readFileSync(join(FIXTURES, "awkward", "input.csv")));
    await job(p).run;
    const first = await Promise.all((await keys(p.processed)).map((k) => text(p.processed, k)));

    // At-least-once delivery: the same event again.
    const eTag = JSON.parse(await text(p.processed, "output/twice/quality_metrics.json")).source
      .etag;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: s3Event(p.raw, key, eTag) }),
    );
    const summary = await job(p).run;

    expect(summary.deleted).toBe(1);
    expect(await keys(p.processed)).toHaveLength(4);
    const second = await Promise.all((await keys(p.processed)).map((k) => text(p.processed, k)));
    expect(second).toEqual(first);
  });

  test("a file that can never be processed gets an error report and its message is deleted", async () => {
    const p = await freshPipeline();
    await upload(p, "input/bad header.csv", "a,b,c\n1,2,3\n");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: p.queueUrl,
        MessageBody: s3Event(p.raw, "input/gone.csv"),
      }),
    );
    const { run, msgs } = job(p);
    const summary = await run;

    expect(summary).toMatchObject({
      received: 2,
      deleted: 2,
      errorReports: 2,
      objectsProcessed: 0,
    });
    expect(await keys(p.processed)).toEqual([
      "errors/input/bad header.csv.json",
      "errors/input/gone.csv.json",
    ]);
    const report = JSON.parse(await text(p.processed, "errors/input/bad header.csv.json"));
    expect(report).toMatchObject({
      bucket: p.raw,
      key: "input/bad header.csv",
      error: "wrong_header",
    });
    expect(report.reason).toContain("missing column(s) id, name, age");
    const missing = JSON.parse(await text(p.processed, "errors/input/gone.csv.json"));
    expect(missing.error).toBe("missing_object");
    expect(msgs()).toContain("error report written");
    expect(await depth(p.queueUrl)).toBe(0);
  });

  test("a key in no exact .csv form or outside input/ is reported, never given another key's outputs", async () => {
    const p = await freshPipeline();
    const csv = readFileSync(join(FIXTURES, "mock-400", "input.csv"), "utf8");
    // Under a case-insensitive rule both would write output/x/, the prefix of input/x.csv.
    await upload(p, "input/x.CSV", csv);
    await upload(p, "batch/x.csv", csv);
    const summary = await job(p).run;
    expect(summary).toMatchObject({ errorReports: 2, objectsProcessed: 0, deleted: 2 });
    expect(await keys(p.processed)).toEqual(["errors/batch/x.csv.json", "errors/input/x.CSV.json"]);
    const codes = await Promise.all(
      ["errors/batch/x.csv.json", "errors/input/x.CSV.json"].map(
        async (k) => JSON.parse(await text(p.processed, k)).error as string,
      ),
    );
    expect(codes).toEqual(["outside_path", "not_csv_key"]);
  });

  test("s3:TestEvent is deleted without output", async () => {
    const p = await freshPipeline();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: p.queueUrl,
        MessageBody: JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: p.raw }),
      }),
    );
    const summary = await job(p).run;
    expect(summary).toMatchObject({ received: 1, deleted: 1, objectsProcessed: 0 });
    expect(await keys(p.processed)).toEqual([]);
  });

  test("a body that is not an S3 event is never deleted and ends in the DLQ after maxReceiveCount", async () => {
    const p = await freshPipeline(1, 2);
    await sqs.send(new SendMessageCommand({ QueueUrl: p.queueUrl, MessageBody: "not an event" }));
    const logs: string[] = [];
    for (let attempt = 0; attempt < 6 && (await depth(p.dlqUrl)) === 0; attempt++) {
      const { run, msgs } = job(p, {
        maxMessages: 1,
        visibilityTimeoutSeconds: 1,
        heartbeatSeconds: 0.5,
      });
      const summary = await run;
      expect(summary.deleted).toBe(0);
      logs.push(...(msgs() as string[]));
      await new Promise((r) => setTimeout(r, 1100));
    }
    expect(logs).toContain(
      "message is not an S3 event; left in the queue for the dead-letter queue",
    );
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.dlqUrl, WaitTimeSeconds: 1 }),
    );
    expect(moved.Messages?.[0]?.Body).toBe("not an event");
    expect(await depth(p.queueUrl)).toBe(0);
  });

  test("transient S3 failures are retried with backoff and nothing is lost", async () => {
    const p = await freshPipeline();
    await upload(p, "input/flaky.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    // A client without SDK retries, whose first two GetObject and first PutObject answer 503.
    const flaky = new S3Client({
      ...s3ClientConfig({ ...settings(), maxAttempts: 1 }),
      credentials,
    });
    const failures: Record<string, number> = { GetObjectCommand: 2, PutObjectCommand: 1 };
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName as string;
        if ((failures[name] ?? 0) > 0) {
          failures[name] = (failures[name] ?? 0) - 1;
          throw Object.assign(new Error("injected: service unavailable"), {
            name: "ServiceUnavailable",
            $metadata: { httpStatusCode: 503 },
          });
        }
        return next(args);
      },
      { step: "initialize", name: "injectTransientFailures" },
    );
    const { run, lines } = job(p, { s3: flaky });
    const summary = await run;
    flaky.destroy();

    expect(summary).toMatchObject({ received: 1, deleted: 1, objectsProcessed: 1 });
    expect(lines.filter((l) => l.msg === "transient failure; retrying")).toHaveLength(3);
    expect(await text(p.processed, "output/flaky/transformed_data.csv")).toBe(
      golden("types", "transformed_data.csv"),
    );
    expect(await depth(p.queueUrl)).toBe(0);
  });

  test("a missing upload is a 404 the job reports as a rejected file (the emulator, like S3 with s3:ListBucket)", async () => {
    const p = await freshPipeline();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: p.queueUrl,
        MessageBody: s3Event(p.raw, "input/none.csv"),
      }),
    );
    const { run, lines } = job(p);
    expect(await run).toMatchObject({ received: 1, deleted: 1, errorReports: 1 });
    const report = JSON.parse(await text(p.processed, "errors/input/none.csv.json"));
    expect(report.error).toBe("missing_object");
    expect(lines.some((l) => String(l.msg).startsWith("configuration error"))).toBe(false);
  });

  test("S3's 403 AccessDenied is a configuration error: not retried, no error report, logged, left for the DLQ", async () => {
    const p = await freshPipeline(1, 1);
    await upload(p, "input/denied.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    // S3 without s3:ListBucket (or with a wrong policy): GetObject answers 403 with this body.
    // The middleware sits after the deserializer, so the SDK parses the response as it would S3's.
    const denied = new S3Client({ ...s3ClientConfig(settings()), credentials });
    let getCalls = 0;
    type Middleware = Parameters<typeof denied.middlewareStack.add>[0];
    type Handler = ReturnType<Middleware>;
    const answer = ((next: Handler, context: { commandName?: string }) =>
      async (args: Parameters<Handler>[0]) => {
        if (context.commandName !== "GetObjectCommand") return next(args);
        getCalls++;
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>' +
          "<Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>";
        return {
          response: {
            statusCode: 403,
            reason: "Forbidden",
            headers: { "content-type": "application/xml", "x-amz-request-id": "R1" },
            body: Readable.from([Buffer.from(body)]),
          },
          output: undefined,
        };
      }) as unknown as Middleware;
    denied.middlewareStack.addRelativeTo(answer, {
      relation: "after",
      toMiddleware: "deserializerMiddleware",
      name: "answerAccessDenied",
    });
    const { run, lines } = job(p, {
      s3: denied,
      maxMessages: 1,
      visibilityTimeoutSeconds: 1,
      heartbeatSeconds: 0.5,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const summary = await run;
    denied.destroy();

    expect(summary).toMatchObject({ received: 1, deleted: 0, left: 1, errorReports: 0 });
    expect(getCalls).toBe(1); // neither the SDK nor the job retries it
    expect(lines.filter((l) => l.msg === "transient failure; retrying")).toHaveLength(0);
    const logged = lines.find((l) => String(l.msg).startsWith("configuration error"));
    expect(logged).toMatchObject({
      level: "error",
      code: "access_denied",
      msg: "configuration error: S3 denied access; message left for the dead-letter queue",
    });
    expect(String(logged?.reason)).toContain("s3:ListBucket");
    expect(await keys(p.processed)).toEqual([]);
    // maxReceiveCount 1: once its visibility ends, the next receive moves it to the DLQ.
    await new Promise((r) => setTimeout(r, 1100));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, WaitTimeSeconds: 0 }));
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.dlqUrl, WaitTimeSeconds: 1 }),
    );
    expect(moved.Messages).toHaveLength(1);
  });

  test("a failure that outlasts the retries leaves the message for redelivery", async () => {
    const p = await freshPipeline(1);
    await upload(p, "input/down.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    const down = new S3Client({
      ...s3ClientConfig({ ...settings(), maxAttempts: 1 }),
      credentials,
    });
    down.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error("injected: slow down"), {
          name: "SlowDown",
          $metadata: { httpStatusCode: 503 },
        });
      },
      { step: "initialize", name: "alwaysThrottled" },
    );
    const summary = await job(p, {
      s3: down,
      maxMessages: 1,
      visibilityTimeoutSeconds: 1,
      heartbeatSeconds: 0.5,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    }).run;
    down.destroy();

    expect(summary).toMatchObject({ received: 1, deleted: 0, left: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const again = await job(p).run;
    expect(again).toMatchObject({ received: 1, deleted: 1, objectsProcessed: 1 });
  });

  test("SIGTERM during work releases the message at once and the job ends cleanly", async () => {
    const p = await freshPipeline(60);
    await upload(p, "input/slow.csv", readFileSync(join(FIXTURES, "mock-400", "input.csv")));
    const slow = new S3Client({ ...s3ClientConfig(settings()), credentials });
    slow.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((r) => setTimeout(r, 1500));
        return next(args);
      },
      { step: "initialize", name: "slowDown" },
    );
    const controller = new AbortController();
    // SIGTERM once the message is held (not after a fixed delay a loaded machine may outlast).
    const { run, msgs } = job(p, { s3: slow, signal: controller.signal }, (line) => {
      if (line.msg === "received") controller.abort("SIGTERM");
    });
    const summary = await run;
    slow.destroy();

    expect(summary).toMatchObject({ received: 1, deleted: 0, stopped: true });
    expect(msgs()).toContain("released");
    // Visible again immediately, although the visibility timeout is 60 s.
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(again.Messages).toHaveLength(1);
  });

  test("SIGTERM while a heartbeat is in flight still leaves the message visible at once", async () => {
    const p = await freshPipeline(60);
    await upload(p, "input/race.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    const controller = new AbortController();
    // The download lasts until SIGTERM; SIGTERM comes while a heartbeat is on its way, and that
    // heartbeat reaches the queue late, after the release would have been sent.
    const slow = new S3Client({ ...s3ClientConfig(settings()), credentials });
    slow.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((r) => controller.signal.addEventListener("abort", r, { once: true }));
        return next(args);
      },
      { step: "initialize", name: "downloadUntilStopped" },
    );
    const lateSqs = new SQSClient({ ...sqsClientConfig(settings()), credentials });
    lateSqs.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { VisibilityTimeout?: number; ReceiptHandle?: string };
        if (input.ReceiptHandle !== undefined && (input.VisibilityTimeout ?? 0) > 0) {
          controller.abort("SIGTERM");
          await new Promise((r) => setTimeout(r, 300));
        }
        return next(args);
      },
      { step: "initialize", name: "lateHeartbeat" },
    );
    const { run, msgs } = job(p, {
      s3: slow,
      sqs: lateSqs,
      signal: controller.signal,
      visibilityTimeoutSeconds: 60,
      heartbeatSeconds: 0.2,
    });
    const summary = await run;
    slow.destroy();
    lateSqs.destroy();

    expect(summary).toMatchObject({ received: 1, deleted: 0, stopped: true });
    expect(msgs()).toEqual(expect.arrayContaining(["heartbeat", "released"]));
    expect(msgs().indexOf("released")).toBeGreaterThan(msgs().indexOf("heartbeat"));
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(again.Messages).toHaveLength(1);
  });

  test("the heartbeat keeps a long file invisible to other jobs until it is done", async () => {
    const p = await freshPipeline(2);
    await upload(p, "input/long.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    // The download lasts until the test has looked at the queue (no race with a fixed delay).
    let finishDownload = () => {};
    const downloadMayFinish = new Promise<void>((r) => (finishDownload = r));
    const slow = new S3Client({ ...s3ClientConfig(settings()), credentials });
    slow.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetObjectCommand") await downloadMayFinish;
        return next(args);
      },
      { step: "initialize", name: "slowDownload" },
    );
    let heartbeats = 0;
    let twoHeartbeats = () => {};
    const pastVisibility = new Promise<void>((r) => (twoHeartbeats = r));
    const { run } = job(p, { s3: slow, visibilityTimeoutSeconds: 2, heartbeatSeconds: 1 }, (l) => {
      if (l.msg === "heartbeat" && ++heartbeats === 2) twoHeartbeats();
    });
    // Two heartbeats = at least 2 s after the receive: past the original 2 s visibility, so
    // without the heartbeat another job would get the message now.
    await pastVisibility;
    const other = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.queueUrl, WaitTimeSeconds: 0 }),
    );
    finishDownload();
    const summary = await run;
    slow.destroy();

    expect(other.Messages ?? []).toHaveLength(0);
    expect(summary).toMatchObject({ received: 1, deleted: 1 });
  });

  test("the CLI process handles the queue and exits 0 when it is empty", async () => {
    const p = await freshPipeline();
    await upload(p, "input/cli.csv", readFileSync(join(FIXTURES, "header-only", "input.csv")));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "support", "run-cli.ts"), "preprocess"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          AWS_ENDPOINT_URL: endpoint(),
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          PREPROCESS_QUEUE_URL: p.queueUrl,
          OUTPUT_BUCKET: p.processed,
          WAIT_TIME_SECONDS: "1",
          WORK_DIR: workDir(),
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    // "close", not "exit": the last lines may still be in the pipe when the process exits.
    const code = await new Promise<number | null>((r) => child.on("close", r));

    expect(code).toBe(0);
    const messages = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).msg);
    expect(messages).toEqual(
      expect.arrayContaining(["received", "written", "deleted", "queue empty"]),
    );
    expect(await text(p.processed, "output/cli/quality_metrics.json")).toContain('"total_rows": 0');
  });
});

describe("compressed uploads", () => {
  const mock = () => readFileSync(join(FIXTURES, "mock-400", "input.csv"));

  async function expectGoldenOutputs(p: Pipeline, key: string) {
    const prefix = resultKeysFor(key).resultsPrefix;
    for (const f of ["cleaned_data.csv", "transformed_data.csv", "department_statistics.csv"]) {
      expect(await text(p.processed, prefix + f)).toBe(golden("mock-400", f));
    }
    const metrics = JSON.parse(await text(p.processed, `${prefix}quality_metrics.json`));
    expect(metrics.total_rows).toBe(
      JSON.parse(golden("mock-400", "quality_metrics.json")).total_rows,
    );
  }

  test("a .csv.gz upload is decompressed as it streams and gives the plain CSV's outputs", async () => {
    const p = await freshPipeline();
    const key = "input/daily.csv.gz";
    await upload(p, key, gzipSync(mock()));
    const summary = await job(p).run;

    expect(summary).toMatchObject({
      received: 1,
      deleted: 1,
      objectsProcessed: 1,
      errorReports: 0,
    });
    await expectGoldenOutputs(p, key);
  });

  test("a gzip body stored with Content-Encoding: gzip under a .csv key is decompressed", async () => {
    const p = await freshPipeline();
    const key = "input/encoded.csv";
    await upload(p, key, gzipSync(mock()), "gzip");
    const summary = await job(p).run;

    expect(summary).toMatchObject({ deleted: 1, objectsProcessed: 1, errorReports: 0 });
    await expectGoldenOutputs(p, key);
  });

  test("a gzip body under a plain .csv key gets an error report naming the compression", async () => {
    const p = await freshPipeline();
    const key = "input/packed.csv";
    await upload(p, key, gzipSync(mock()));
    const summary = await job(p).run;

    expect(summary).toMatchObject({ deleted: 1, objectsProcessed: 0, errorReports: 1 });
    const report = JSON.parse(await text(p.processed, `errors/${key}.json`));
    expect(report.error).toBe("unexpected_gzip");
    expect(report.reason).toMatch(/gzip-compressed.*\.csv\.gz/);
  });

  test("a .csv.gz key whose body is not gzip, or is cut short, is rejected for good", async () => {
    const p = await freshPipeline();
    const packed = gzipSync(mock());
    await upload(p, "input/plain.csv.gz", mock());
    await upload(p, "input/cut.csv.gz", packed.subarray(0, packed.length >> 1));
    const summary = await job(p).run;

    expect(summary).toMatchObject({ deleted: 2, objectsProcessed: 0, errorReports: 2 });
    for (const key of ["input/plain.csv.gz", "input/cut.csv.gz"]) {
      const report = JSON.parse(await text(p.processed, `errors/${key}.json`));
      expect(report.error).toBe("bad_gzip");
    }
  });

  test("compression is expected from the .csv.gz suffix or a gzip Content-Encoding", () => {
    expect(gzipModeFor("input/a.csv.gz", undefined)).toBe("require");
    expect(gzipModeFor("input/a.csv", "gzip")).toBe("require");
    expect(gzipModeFor("input/a.csv", "identity, GZIP")).toBe("require");
    expect(gzipModeFor("input/a.csv", undefined)).toBe("refuse");
    expect(gzipModeFor("input/a.csv", "br")).toBe("refuse");
  });
});
