// Helpers of the preprocess job tests: emulator clients (fauxqs, started by jest's globalSetup),
// a fresh pipeline (buckets, queue, DLQ) per test, the exact S3 event shape, readers of what the
// job wrote, and a job runner whose JSON log lines the test reads.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { s3ClientConfig, sqsClientConfig } from "../../src/aws";
import { createLogger } from "../../src/log";
import { runPreprocessJob, type PreprocessJobOptions } from "../../src/preprocess/job";

/** The preprocess fixtures (input and expected outputs per case). */
export const FIXTURES = join(__dirname, "..", "fixtures", "preprocess");
export const credentials = { accessKeyId: "test", secretAccessKey: "test" };
export const endpoint = () => {
  const url = process.env.FAUXQS_ENDPOINT;
  if (!url) throw new Error("FAUXQS_ENDPOINT is not set (jest globalSetup starts fauxqs)");
  return url;
};
export const settings = () => ({ region: "us-east-1", endpoint: endpoint() });
/** Clients of the emulator (one pair per test file: jest loads modules per file). */
export const s3 = new S3Client({ ...s3ClientConfig(settings()), credentials });
export const sqs = new SQSClient({ ...sqsClientConfig(settings()), credentials });

export const suffix = () => randomBytes(4).toString("hex");

export interface Pipeline {
  raw: string;
  processed: string;
  queueUrl: string;
  dlqUrl: string;
}

/** Fresh buckets and a queue with a DLQ (redrive after `maxReceiveCount` receives). */
export async function freshPipeline(
  visibilityTimeout = 30,
  maxReceiveCount = 3,
): Promise<Pipeline> {
  const id = suffix();
  const raw = `raw-${id}`;
  const processed = `processed-${id}`;
  await s3.send(new CreateBucketCommand({ Bucket: raw }));
  await s3.send(new CreateBucketCommand({ Bucket: processed }));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `preprocess-dlq-${id}` }));
  const dlqUrl = dlq.QueueUrl as string;
  const dlqArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
    )
  ).Attributes?.QueueArn as string;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `preprocess-${id}`,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  return { raw, processed, queueUrl: queue.QueueUrl as string, dlqUrl };
}

/** The S3 event body for `key` as S3 writes it: key URL-encoded with + for spaces. */
/** The S3 event body for `key` as S3 writes it (`size`: the object's bytes, as S3 reports them). */
export function s3Event(bucket: string, key: string, eTag = "", size = 1) {
  const encoded = encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");
  return JSON.stringify({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: "2026-11-23T10:00:00.000Z",
        eventName: "ObjectCreated:Put",
        s3: {
          s3SchemaVersion: "1.0",
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encoded, size, eTag },
        },
      },
    ],
  });
}

export async function upload(
  p: Pipeline,
  key: string,
  body: string | Buffer,
  contentEncoding?: string,
): Promise<string> {
  const put = await s3.send(
    new PutObjectCommand({ Bucket: p.raw, Key: key, Body: body, ContentEncoding: contentEncoding }),
  );
  const eTag = (put.ETag ?? "").replace(/"/g, "");
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: p.queueUrl,
      MessageBody: s3Event(p.raw, key, eTag, Buffer.byteLength(body)),
    }),
  );
  return eTag;
}

export async function text(bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await response.Body?.transformToString("utf8")) ?? "";
}

export async function keys(bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key as string).sort();
}

export async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** A logger whose JSON lines the test can read. */
export function collectingLogger(onLine?: (line: Record<string, unknown>) => void) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    destination: {
      write: (text: string) => {
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        onLine?.(line);
      },
    },
  });
  return { logger, lines, msgs: () => lines.map((l) => l.msg) };
}

/** Starts a job on `p` with the tests' short waits and back-offs (`overrides` win). */
export function startJob(
  p: Pipeline,
  overrides: Partial<PreprocessJobOptions> & Pick<PreprocessJobOptions, "workDir">,
  onLine?: (line: Record<string, unknown>) => void,
) {
  const { logger, lines, msgs } = collectingLogger(onLine);
  const run = runPreprocessJob({
    queueUrl: p.queueUrl,
    outputBucket: p.processed,
    s3,
    sqs,
    logger,
    waitTimeSeconds: 1,
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  });
  return { run, lines, msgs };
}

/**
 * A test file's scratch folder (made before its tests, removed with the clients after them) and
 * {@link startJob} working in it. Call at the top level of the file.
 */
export function scratchJobs(prefix: string) {
  let work = "";
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    destroyClients();
  });
  return {
    /** The folder (valid inside tests). */
    workDir: () => work,
    /** {@link startJob} with the scratch folder as the job's `workDir` (`overrides` win). */
    job: (
      p: Pipeline,
      overrides: Partial<PreprocessJobOptions> = {},
      onLine?: (line: Record<string, unknown>) => void,
    ) => startJob(p, { workDir: work, ...overrides }, onLine),
  };
}

/** Closes the clients (call in afterAll). */
export function destroyClients(): void {
  s3.destroy();
  sqs.destroy();
}
