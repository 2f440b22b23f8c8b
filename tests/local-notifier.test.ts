/**
 * The notifier is local mode's stand-in for the raw bucket's event notification: its messages must
 * be what S3 sends, and the processor must read them back to the uploaded object.
 */
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  encodeEventKey,
  matchesInputFilter,
  objectCreatedEvent,
  sequencerSource,
  uploadAndNotify,
} from "../local/notifier";
import fc from "fast-check";
import { rawNotificationArgs } from "../infra/queues";
import { decodeS3Key, parseS3EventMessage } from "../processor/src/preprocess/s3-event";

const endpoint = process.env.FAUXQS_ENDPOINT ?? "";
const region = "eu-west-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

describe("S3 event key encoding", () => {
  it.each([
    ["input/new hires 02.csv", "input/new+hires+02.csv"],
    ["input/a+b.csv", "input/a%2Bb.csv"],
    ["input/q3 (final)=ok&.csv", "input/q3+%28final%29%3Dok%26.csv"],
    ["input/café.csv", "input/caf%C3%A9.csv"],
    ["input/plain-name_1.csv", "input/plain-name_1.csv"],
  ])("encodes %j as S3 does (%s) and decodes back", (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeS3Key(encodeEventKey(key))).toBe(key);
  });
});

describe("notification filter", () => {
  it("matches only input/ keys ending in .csv or .csv.gz, as the bucket notification does", () => {
    expect(matchesInputFilter("input/a.csv")).toBe(true);
    expect(matchesInputFilter("input/a.csv.gz")).toBe(true);
    expect(matchesInputFilter("input/sub/a.csv")).toBe(true);
    expect(matchesInputFilter("input/a.CSV")).toBe(false);
    expect(matchesInputFilter("input/a.gz")).toBe(false);
    expect(matchesInputFilter("batch/a.csv")).toBe(false);
    expect(matchesInputFilter("input/a.csv.tmp")).toBe(false);
  });

  // S3's filter semantics (a configuration fires when the key starts with its prefix and ends with
  // its suffix) applied to the configurations the program deploys: local mode cannot drift.
  const s3Notifies = (key: string): boolean =>
    (
      rawNotificationArgs("raw", "arn:q", false).queues as {
        filterPrefix: string;
        filterSuffix: string;
      }[]
    ).some((c) => key.startsWith(c.filterPrefix) && key.endsWith(c.filterSuffix));
  it("notifies for exactly the keys the program's notification configurations match", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("input/", "batch/", "", "input", "Input/"),
        fc.string({ maxLength: 12 }),
        fc.constantFrom(".csv", ".csv.gz", ".gz", ".CSV", ".csv.tmp", "", ".csv.gz.bak", "csv"),
        (prefix, middle, suffix) => {
          const key = `${prefix}${middle}${suffix}`;
          expect(matchesInputFilter(key)).toBe(s3Notifies(key));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("ObjectCreated event", () => {
  const event = objectCreatedEvent({
    region,
    bucket: "raw-bucket",
    key: "input/new hires 02.csv",
    size: 1234,
    eTag: '"0123456789abcdef0123456789abcdef"',
    sequencer: "0000000000000001",
    eventTime: new Date("2026-11-23T10:00:00.123Z"),
  });

  it("has the documented record shape of S3 event messages (version 2.1)", () => {
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: region,
      eventTime: "2026-11-23T10:00:00.123Z",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: "raw-bucket", arn: "arn:aws:s3:::raw-bucket" },
        object: {
          key: "input/new+hires+02.csv",
          size: 1234,
          eTag: "0123456789abcdef0123456789abcdef",
          sequencer: "0000000000000001",
        },
      },
    });
  });

  it("is read back by the processor's parser to the uploaded key", () => {
    const parsed = parseS3EventMessage(JSON.stringify(event));
    expect(parsed).toEqual({
      kind: "s3-event",
      objects: [
        {
          eventName: "ObjectCreated:Put",
          bucket: "raw-bucket",
          key: "input/new hires 02.csv",
          eTag: "0123456789abcdef0123456789abcdef",
          size: 1234,
        },
      ],
      ignored: [],
    });
  });

  it("gives later uploads greater sequencers", () => {
    const next = sequencerSource(1);
    const a = next();
    const b = next();
    expect(a).toMatch(/^[0-9A-F]{16}$/);
    expect(b > a).toBe(true);
  });
});

describe("uploadAndNotify against the emulator", () => {
  const suffix = randomBytes(4).toString("hex");
  const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials });
  const sqs = new SQSClient({ region, endpoint, useQueueUrlAsEndpoint: false, credentials });
  let queueUrl = "";
  const bucket = `notifier-${suffix}`;

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const q = await sqs.send(new CreateQueueCommand({ QueueName: `notifier-${suffix}` }));
    queueUrl = q.QueueUrl ?? "";
  });

  afterAll(() => {
    s3.destroy();
    sqs.destroy();
  });

  it("sends one event with the stored object's size and ETag after the object exists", async () => {
    const target = { s3, sqs, region, bucket, queueUrl };
    const body = Buffer.from("id,name\n1,Ada\n");
    const upload = await uploadAndNotify(target, "input/a b.csv", body, sequencerSource());
    expect(upload).toMatchObject({ key: "input/a b.csv", size: body.length, notified: true });

    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(got.Messages).toHaveLength(1);
    const message = got.Messages?.[0];
    const parsed = parseS3EventMessage(message?.Body ?? "");
    expect(parsed).toMatchObject({
      kind: "s3-event",
      objects: [{ bucket, key: "input/a b.csv", size: body.length, eTag: upload.eTag }],
    });
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
  });

  it("sends nothing for keys outside the notification's filter", async () => {
    const target = { s3, sqs, region, bucket, queueUrl };
    const upload = await uploadAndNotify(
      target,
      "other/x.csv",
      Buffer.from("x\n"),
      sequencerSource(),
    );
    expect(upload.notified).toBe(false);
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(got.Messages ?? []).toHaveLength(0);
  });
});
