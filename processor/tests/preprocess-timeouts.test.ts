/**
 * Stalled connections, with real sockets on 127.0.0.1: the AWS clients give up on a server that
 * accepts and never answers (the SDK's defaults would wait forever for S3 and 900 s for SQS), and
 * the job's stall watchdog fails a download or upload whose bytes stop moving, logs it, and the
 * retry completes the file on a fresh connection.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  s3ClientConfig,
  S3_TIMEOUTS,
  sqsClientConfig,
  SQS_MAX_WAIT_SECONDS,
  type ClientTimeouts,
} from "../src/aws";
import { faultProxy, silentServer, type FaultProxy } from "./support/fault-proxy";
import {
  credentials,
  endpoint,
  FIXTURES,
  freshPipeline,
  text,
  upload,
  scratchJobs,
} from "./support/preprocess-harness";

const { job } = scratchJobs("preprocess-timeouts-");

const golden = (file: string) => readFileSync(join(FIXTURES, "mock-400", "expected", file), "utf8");

/** Rejects with "still waiting" after `ms`: a hung request fails the test instead of hanging it. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

describe("request timeouts of every AWS client", () => {
  test("S3 allows a minute per request, SQS the longest long poll plus a margin, and both throw when it passes", () => {
    const s3Handler = s3ClientConfig({}).requestHandler;
    const sqsHandler = sqsClientConfig({}).requestHandler;
    expect(s3Handler).toEqual({
      connectionTimeout: 10_000,
      requestTimeout: 60_000,
      throwOnRequestTimeout: true,
      socketTimeout: 60_000,
    });
    expect(sqsHandler).toMatchObject({ throwOnRequestTimeout: true, connectionTimeout: 10_000 });
    const sqsRequestMs = (sqsHandler as { requestTimeout: number }).requestTimeout;
    expect(sqsRequestMs).toBeGreaterThan(SQS_MAX_WAIT_SECONDS * 1000);
    expect(sqsRequestMs).toBeLessThanOrEqual(SQS_MAX_WAIT_SECONDS * 1000 + 15_000);
    expect((sqsHandler as { socketTimeout: number }).socketTimeout).toBe(sqsRequestMs);
    // Shorter than the S3 idle-socket timeout: the job's own "transfer stalled" line comes first.
    expect(S3_TIMEOUTS.socketIdleMs).toBeGreaterThan(30_000);
  });

  test("a server that accepts and never answers fails S3 and SQS requests with TimeoutError", async () => {
    const server = await silentServer();
    const short: ClientTimeouts = { connectionMs: 1000, requestMs: 800, socketIdleMs: 5000 };
    const settings = { region: "us-east-1", endpoint: server.url, maxAttempts: 1 };
    const s3 = new S3Client({ ...s3ClientConfig({ ...settings, s3Timeouts: short }), credentials });
    const sqs = new SQSClient({
      ...sqsClientConfig({ ...settings, sqsTimeouts: short }),
      credentials,
    });
    try {
      const started = performance.now();
      const get = s3.send(new GetObjectCommand({ Bucket: "raw", Key: "input/a.csv" }));
      await expect(within(5000, get)).rejects.toMatchObject({ name: "TimeoutError" });
      const receive = sqs.send(
        new ReceiveMessageCommand({ QueueUrl: `${server.url}/000000000000/q`, WaitTimeSeconds: 0 }),
      );
      await expect(within(5000, receive)).rejects.toMatchObject({ name: "TimeoutError" });
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      s3.destroy();
      sqs.destroy();
      await server.close();
    }
  });
});

describe("the stall watchdog on the job's transfers", () => {
  let proxy: FaultProxy;
  let s3ViaProxy: S3Client;
  beforeEach(async () => {
    proxy = await faultProxy(endpoint());
    s3ViaProxy = new S3Client({
      ...s3ClientConfig({ region: "us-east-1", endpoint: proxy.url }),
      credentials,
    });
  });
  afterEach(async () => {
    s3ViaProxy.destroy();
    await proxy.close();
  });

  test("a download that stops after its first bytes fails its attempt with a clear log line, and the retry completes the file", async () => {
    const p = await freshPipeline();
    await upload(p, "input/stalls.csv", readFileSync(join(FIXTURES, "mock-400", "input.csv")));
    proxy.stall.download = { pathPrefix: `/${p.raw}/`, afterBytes: 100 };
    const { run, lines } = job(p, { s3: s3ViaProxy, stallTimeoutSeconds: 1 });
    const summary = await within(20_000, run);

    expect(proxy.stalled).toHaveLength(1);
    const stalled = lines.find((l) => l.msg === "transfer stalled: no bytes moved; attempt failed");
    expect(stalled).toMatchObject({
      level: "error",
      direction: "download",
      target: `s3://${p.raw}/input/stalls.csv`,
      stallSeconds: 1,
      bytes: 100,
    });
    const retried = lines.findIndex((l) => l.msg === "transient failure; retrying");
    expect(retried).toBeGreaterThan(lines.indexOf(stalled as Record<string, unknown>));
    expect(summary).toMatchObject({ received: 1, deleted: 1, objectsProcessed: 1 });
    expect(await text(p.processed, "output/stalls/cleaned_data.csv")).toBe(
      golden("cleaned_data.csv"),
    );
  });

  test("an upload that is never answered fails its attempt the same way, and the retry stores all four results", async () => {
    const p = await freshPipeline();
    await upload(p, "input/unanswered.csv", readFileSync(join(FIXTURES, "mock-400", "input.csv")));
    proxy.stall.upload = { pathPrefix: `/${p.processed}/` };
    const { run, lines } = job(p, { s3: s3ViaProxy, stallTimeoutSeconds: 1 });
    const summary = await within(20_000, run);

    expect(proxy.stalled).toHaveLength(1);
    expect(
      lines.find((l) => l.msg === "transfer stalled: no bytes moved; attempt failed"),
    ).toMatchObject({
      direction: "upload",
      target: `s3://${p.processed}/output/unanswered/cleaned_data.csv`,
    });
    expect(summary).toMatchObject({ received: 1, deleted: 1, objectsProcessed: 1 });
    expect(await text(p.processed, "output/unanswered/transformed_data.csv")).toBe(
      golden("transformed_data.csv"),
    );
  });
});
