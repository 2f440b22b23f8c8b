/**
 * Local mode on the user's own data: `--input` uploads their CSV files and expects what the
 * processor makes of each, `--results` downloads every result object laid out by key, and an
 * unknown `--stack` names the stack files that exist.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { emulatorClients } from "../local/emulator";
import { OptionsError, parseOptions } from "../local/options";
import { checkResultsDir, downloadResults, resultPath } from "../local/results";
import { random, seedCsv } from "../local/seed";
import { loadStack, stackNames } from "../local/stack";
import { renderSummary, type RunSummary } from "../local/summary";
import { inputFiles, InputError } from "../local/user-input";

const root = path.resolve(__dirname, "..");
let work: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), "local-user-data-"));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

function write(relative: string, text: string): string {
  const file = path.join(work, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("--input", () => {
  it("uploads a folder's .csv files by name, expecting outputs with the rows the processor counts", async () => {
    write("data/b staff.csv", seedCsv(7, random(1)));
    write("data/a.csv", seedCsv(3, random(2)));
    write("data/notes.txt", "not a CSV");
    write("data/nested/c.csv", seedCsv(2, random(3)));
    const files = await inputFiles([path.join(work, "data")]);
    expect(files.map((f) => [f.key, f.rows, f.expectError])).toEqual([
      ["input/a.csv", 3, false],
      ["input/b staff.csv", 7, false],
    ]);
    expect(files[0]?.body.toString("utf8")).toBe(seedCsv(3, random(2)));
  });

  it("uploads a .csv.gz file compressed, counting the rows of its decompressed text", async () => {
    const file = path.join(work, "staff.csv.gz");
    writeFileSync(file, gzipSync(seedCsv(9, random(11))));
    const notGzip = write("plain.csv.gz", seedCsv(2, random(12)));
    const files = await inputFiles([file, notGzip]);
    expect(files.map((f) => [f.key, f.rows, f.expectError])).toEqual([
      ["input/staff.csv.gz", 9, false],
      // The job rejects a .csv.gz that is not gzip with an error report.
      ["input/plain.csv.gz", 0, true],
    ]);
    expect(gunzipSync(files[0]?.body ?? Buffer.alloc(0)).toString("utf8")).toBe(
      seedCsv(9, random(11)),
    );
  });

  it("expects an error report for a file the processor's first pass rejects", async () => {
    const header = write("wrong.csv", "employee,full_name\n1,Ada\n2,Alan\n");
    const empty = write("empty.csv", "");
    const text = write(
      "age-text.csv",
      `${seedCsv(2, random(4)).split("\n")[0]}\n1,x,old,1,2020-01-01,{},HR,1\n`,
    );
    const files = await inputFiles([header, empty, text]);
    expect(files.map((f) => [f.key, f.rows, f.expectError])).toEqual([
      ["input/wrong.csv", 2, true],
      ["input/empty.csv", 0, true],
      ["input/age-text.csv", 1, true],
    ]);
  });

  it("refuses what cannot start a preprocess job or would share a key, naming the path", async () => {
    const txt = write("notes.txt", "x");
    await expect(inputFiles([txt])).rejects.toThrow(/notes\.txt: not a \.csv or \.csv\.gz file/);
    await expect(inputFiles([path.join(work, "nope")])).rejects.toThrow(/no such file or folder/);
    mkdirSync(path.join(work, "empty-folder"));
    await expect(inputFiles([path.join(work, "empty-folder")])).rejects.toThrow(
      /the folder holds no \.csv or \.csv\.gz file/,
    );
    const one = write("x/a.csv", seedCsv(1, random(5)));
    const two = write("y/a.csv", seedCsv(1, random(6)));
    await expect(inputFiles([one, two])).rejects.toThrow(InputError);
    await expect(inputFiles([one, two])).rejects.toThrow(/both be uploaded as input\/a\.csv/);
  });

  it("is repeatable on the command line, with --results beside it", () => {
    expect(parseOptions(["--input", "a.csv", "--input", "data", "--results", "out"])).toMatchObject(
      {
        input: ["a.csv", "data"],
        results: "out",
      },
    );
    expect(parseOptions([])).toMatchObject({ input: [], results: undefined });
    expect(() => parseOptions(["--input", ""])).toThrow(OptionsError);
  });
});

describe("--results", () => {
  /** The emulator jest's globalSetup started (fauxqs is ESM-only: it runs outside the sandbox). */
  function endpoint(): string {
    const value = process.env.FAUXQS_ENDPOINT;
    if (!value) throw new Error("FAUXQS_ENDPOINT is not set: run the tests through jest");
    return value;
  }

  it("downloads every output, error report and event object laid out by key, and nothing else", async () => {
    const { s3, sqs } = emulatorClients(endpoint(), "us-east-1");
    const id = randomBytes(4).toString("hex");
    const buckets = { processedBucket: `processed-${id}`, eventsBucket: `events-${id}` };
    const objects: [string, string, string][] = [
      [buckets.processedBucket, "output/new hires 02/cleaned_data.csv", "id,name\n1,Ada\n"],
      [buckets.processedBucket, "output/new hires 02/quality_metrics.json", '{"total_rows":1}'],
      [buckets.processedBucket, "errors/input/wrong-header.csv.json", '{"code":"wrong_header"}'],
      [buckets.eventsBucket, "events/event_type=sale_event/date=2026-12-01/b1.ndjson", "{}\n"],
      [buckets.eventsBucket, "quarantine/date=2026-12-01/b2.ndjson", '{"raw":"x"}\n'],
    ];
    try {
      for (const bucket of Object.values(buckets)) {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      }
      for (const [bucket, key, body] of objects) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      }
      // Not a result: an object outside the result prefixes.
      await s3.send(
        new PutObjectCommand({ Bucket: buckets.processedBucket, Key: "scratch/x", Body: "x" }),
      );
      const dir = path.join(work, "results");
      const got = await downloadResults(s3, buckets, dir);
      expect(got).toEqual({ dir, objects: objects.length });
      for (const [, key, body] of objects) {
        expect(readFileSync(path.join(dir, key), "utf8")).toBe(body);
      }
      expect(() => readFileSync(path.join(dir, "scratch/x"))).toThrow(/ENOENT/);
    } finally {
      s3.destroy();
      sqs.destroy();
    }
  });

  it("never writes outside the folder, and refuses a folder that already holds files", () => {
    expect(resultPath("/tmp/r", "output/a/b.csv")).toBe(path.resolve("/tmp/r/output/a/b.csv"));
    expect(() => resultPath("/tmp/r", "output/../../etc/passwd")).toThrow(/outside/);
    expect(() => checkResultsDir(path.join(work, "absent"))).not.toThrow();
    write("full/old.csv", "x");
    expect(() => checkResultsDir(path.join(work, "full"))).toThrow(/not empty/);
  });

  it("appear in the summary, and a failed download fails the run's report", () => {
    const summary = JSON.parse(
      '{"ok":false,"stack":"dev","timeScale":0.1,"timings":{"totalSeconds":1,"setupSeconds":0,' +
        '"workSeconds":0,"scaleToZeroSeconds":0},"accounting":{"ok":true,"problems":[],"files":[],' +
        '"events":{"produced":0,"stored":0,"quarantined":0,"duplicates":0,"byType":{},"objects":0},' +
        '"queues":{"preprocess":{"visible":0,"inFlight":0},"events":{"visible":0,"inFlight":0}},' +
        '"dlqs":{"preprocess":0,"events":0}},"scaling":{"jobsStarted":0,"jobsSucceeded":0,' +
        '"jobsFailed":0,"jobRetries":0,"peakRunningJobs":0,"peakConsumers":0,"consumerRestarts":0,' +
        '"backToZero":true,"consumerMinReplicas":0},"logFile":"x.log",' +
        '"results":{"dir":"out","objects":3,"failure":"disk full"}}',
    ) as RunSummary;
    const text = renderSummary(summary);
    expect(text).toContain("Results  3 object(s) in out; download FAILED: disk full");
    expect(text).toContain("  - results: disk full");
  });
});

describe("--stack", () => {
  it("names the stack files that exist when the stack has none", () => {
    expect(stackNames(root)).toEqual(["dev", "orchestrated", "prod", "staging"]);
    expect(() => loadStack("qa", root)).toThrow(
      'no stack "qa": there is no Pulumi.qa.yaml; the stack files are for dev, orchestrated, prod, staging',
    );
    expect(() => loadStack("qa", work)).toThrow(/there is no stack file$/);
  });
});
