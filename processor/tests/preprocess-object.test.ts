// `processor preprocess-object` against the fauxqs S3 emulator: the Job the orchestrated path's state
// machine runs. Outputs land where the state machine reads them (output/<key without the prefix and
// .csv>/), a rejected file gets its error report and still exits 0, a failure that is not the
// file's fault exits 1 so the workflow retries, and bad arguments exit 2.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  parsePreprocessObjectArgs,
  preprocessObjectCommand,
} from "../src/preprocess/object-command";

const FIXTURE = join(__dirname, "fixtures/preprocess/mock-400");
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

function endpoint(): string {
  const value = process.env.FAUXQS_ENDPOINT;
  if (!value) throw new Error("FAUXQS_ENDPOINT is not set: run the tests through jest");
  return value;
}

const s3 = new S3Client({
  endpoint: endpoint(),
  region: "us-east-1",
  credentials,
  forcePathStyle: true,
});
// The SDK's default credential chain reads the process environment, not the env argument.
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
});
afterAll(() => {
  s3.destroy();
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  else process.env.AWS_ACCESS_KEY_ID = saved.id;
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
});

const env = (outputBucket: string) => ({
  AWS_ENDPOINT_URL: endpoint(),
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  OUTPUT_BUCKET: outputBucket,
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
});

async function bucket(label: string): Promise<string> {
  const name = `${label}-${randomBytes(5).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

async function keys(name: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: name }));
  return (listed.Contents ?? []).map((o) => o.Key as string).sort();
}

async function text(name: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
  return (await got.Body?.transformToString()) ?? "";
}

describe("processor preprocess-object", () => {
  test("writes the four outputs under output-batch/<key without the prefix and .csv>/, apart from the KEDA path's output/", async () => {
    const [raw, processed] = [await bucket("raw"), await bucket("processed")];
    const key = "batch/2026/sales q1.csv";
    await s3.send(
      new PutObjectCommand({
        Bucket: raw,
        Key: key,
        Body: readFileSync(join(FIXTURE, "input.csv")),
      }),
    );
    const code = await preprocessObjectCommand(
      ["--bucket", raw, "--key", key, "--prefix", "batch/"],
      env(processed),
    );
    expect(code).toBe(0);
    const prefix = "output-batch/2026/sales q1/";
    expect(await keys(processed)).toEqual(
      [
        "cleaned_data.csv",
        "department_statistics.csv",
        "quality_metrics.json",
        "transformed_data.csv",
      ].map((f) => `${prefix}${f}`),
    );
    // Byte-identical to the reference outputs, as on the KEDA path.
    for (const file of ["cleaned_data.csv", "transformed_data.csv", "department_statistics.csv"]) {
      expect(await text(processed, `${prefix}${file}`)).toBe(
        readFileSync(join(FIXTURE, "expected", file), "utf8"),
      );
    }
    const metrics = JSON.parse(await text(processed, `${prefix}quality_metrics.json`));
    expect(metrics).toMatchObject(
      JSON.parse(readFileSync(join(FIXTURE, "expected/quality_metrics.json"), "utf8")),
    );
    expect(metrics.source).toMatchObject({ bucket: raw, key });
  });

  test("a file that can never be processed gets errors/<key>.json and exits 0", async () => {
    const [raw, processed] = [await bucket("raw"), await bucket("processed")];
    await s3.send(
      new PutObjectCommand({ Bucket: raw, Key: "batch/notes.csv", Body: "hello\nworld\n" }),
    );
    const code = await preprocessObjectCommand(
      ["--bucket", raw, "--key", "batch/notes.csv", "--prefix", "batch/"],
      env(processed),
    );
    expect(code).toBe(0);
    expect(await keys(processed)).toEqual(["errors/batch/notes.csv.json"]);
    const report = JSON.parse(await text(processed, "errors/batch/notes.csv.json"));
    expect(report).toMatchObject({ bucket: raw, key: "batch/notes.csv", error: "wrong_header" });
  });

  test("a failure that is not the file's fault exits 1 (the workflow retries the Job)", async () => {
    const raw = await bucket("raw");
    await s3.send(
      new PutObjectCommand({
        Bucket: raw,
        Key: "batch/a.csv",
        Body: readFileSync(join(FIXTURE, "input.csv")),
      }),
    );
    const missingOutputBucket = `missing-${randomBytes(5).toString("hex")}`;
    const code = await preprocessObjectCommand(
      ["--bucket", raw, "--key", "batch/a.csv", "--prefix", "batch/"],
      env(missingOutputBucket),
    );
    expect(code).toBe(1);
  });

  test("without --prefix the KEDA path's input/ is stripped, as by processor preprocess", async () => {
    const [raw, processed] = [await bucket("raw"), await bucket("processed")];
    await s3.send(
      new PutObjectCommand({
        Bucket: raw,
        Key: "input/x.csv",
        Body: readFileSync(join(FIXTURE, "input.csv")),
      }),
    );
    expect(
      await preprocessObjectCommand(["--bucket", raw, "--key", "input/x.csv"], env(processed)),
    ).toBe(0);
    expect(await keys(processed)).toContain("output/x/quality_metrics.json");
  });

  test("bad arguments exit 2 and write nothing", async () => {
    const processed = await bucket("processed");
    for (const argv of [
      [],
      ["--bucket", "b"],
      ["--key", "batch/a.csv"],
      ["--bucket", "b", "--key", "input/a.csv", "--prefix", "batch/"],
      ["--bucket", "b", "--key", "batch/a.csv", "--prefix", "batch"],
      ["--bucket", "b", "--key", "batch/a.csv", "--extra"],
    ]) {
      expect({ argv, code: await preprocessObjectCommand(argv, env(processed)) }).toEqual({
        argv,
        code: 2,
      });
    }
    expect(await keys(processed)).toEqual([]);
  });

  test("arguments: --name value and --name=value, each at most once", () => {
    expect(
      parsePreprocessObjectArgs(["--bucket=b", "--key", "batch/a.csv", "--prefix=batch/"]),
    ).toEqual({
      bucket: "b",
      key: "batch/a.csv",
      prefix: "batch/",
    });
    expect(() =>
      parsePreprocessObjectArgs(["--bucket", "b", "--bucket", "c", "--key", "k"]),
    ).toThrow(/--bucket is given twice/);
    expect(() =>
      parsePreprocessObjectArgs(["--bucket", "b", "--key", "batch/", "--prefix", "batch/"]),
    ).toThrow(/--key must name an object under batch\//);
  });
});
