/**
 * The job's largest upload (MAX_INPUT_BYTES), against the emulator: a larger object gets an error
 * report and its message is deleted, and its body is never written to the scratch disk, whose size
 * the pod spec derives from the same maximum (an emptyDir over its sizeLimit is evicted at once,
 * without the SIGTERM that would release the message).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { s3ClientConfig } from "../src/aws";
import {
  credentials,
  depth,
  FIXTURES,
  freshPipeline,
  keys,
  s3,
  s3Event,
  settings,
  sqs,
  text,
  upload,
  type Pipeline,
  scratchJobs,
} from "./support/preprocess-harness";

const { job } = scratchJobs("preprocess-size-");

const mock = () => readFileSync(join(FIXTURES, "mock-400", "input.csv"));

/** An S3 client that counts GetObject calls and the body bytes they delivered. */
function countingS3() {
  const client = new S3Client({ ...s3ClientConfig(settings()), credentials });
  const seen = { gets: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "GetObjectCommand") seen.gets++;
      return next(args);
    },
    { step: "initialize", name: "countGets" },
  );
  return { client, seen };
}

async function report(p: Pipeline, key: string): Promise<{ error: string; reason: string }> {
  return JSON.parse(await text(p.processed, `errors/${key}.json`)) as {
    error: string;
    reason: string;
  };
}

describe("the largest upload a job accepts", () => {
  test("an upload over MAX_INPUT_BYTES by its event's size gets an error report, is never downloaded, and its message is deleted", async () => {
    const p = await freshPipeline();
    const body = mock();
    await upload(p, "input/big.csv", body);
    const { client, seen } = countingS3();
    const { run, msgs } = job(p, { s3: client, maxInputBytes: body.length - 1 });
    const summary = await run;
    client.destroy();

    expect(summary).toMatchObject({
      received: 1,
      deleted: 1,
      errorReports: 1,
      objectsProcessed: 0,
    });
    expect(seen.gets).toBe(0);
    const r = await report(p, "input/big.csv");
    expect(r.error).toBe("too_large");
    expect(r.reason).toContain(`the object is ${body.length} bytes`);
    expect(r.reason).toContain(`at most ${body.length - 1} bytes (MAX_INPUT_BYTES`);
    expect(msgs()).not.toContain("downloaded");
    expect(await depth(p.queueUrl)).toBe(0);
  });

  test("an object over the maximum whose event understates its size is refused on S3's headers, before its body is stored", async () => {
    const p = await freshPipeline();
    const body = mock();
    // The object was overwritten after its event, or the event names no size (preprocess-object).
    await s3.send(new PutObjectCommand({ Bucket: p.raw, Key: "input/grown.csv", Body: body }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: p.queueUrl,
        MessageBody: s3Event(p.raw, "input/grown.csv", "", 10),
      }),
    );
    const { run, msgs } = job(p, { maxInputBytes: 1000 });
    const summary = await run;

    expect(summary).toMatchObject({ deleted: 1, errorReports: 1, objectsProcessed: 0 });
    const r = await report(p, "input/grown.csv");
    expect(r.error).toBe("too_large");
    expect(r.reason).toContain(`the object is ${body.length} bytes;`);
    expect(msgs()).not.toContain("downloaded");
  });

  test("a gzip upload within the maximum that decompresses beyond it is refused before any output is written", async () => {
    const p = await freshPipeline();
    const plain = mock();
    const packed = gzipSync(plain);
    await upload(p, "input/bomb.csv.gz", packed);
    const summary = await job(p, { maxInputBytes: packed.length + 100 }).run;

    expect(packed.length + 100).toBeLessThan(plain.length);
    expect(summary).toMatchObject({ deleted: 1, errorReports: 1, objectsProcessed: 0 });
    const r = await report(p, "input/bomb.csv.gz");
    expect(r.error).toBe("too_large");
    expect(r.reason).toContain("decompressed");
    expect(await keys(p.processed)).toEqual(["errors/input/bomb.csv.gz.json"]);
  });

  test("an upload of exactly the maximum is processed", async () => {
    const p = await freshPipeline();
    const body = mock();
    await upload(p, "input/exact.csv", body);
    const summary = await job(p, { maxInputBytes: body.length }).run;
    expect(summary).toMatchObject({ deleted: 1, errorReports: 0, objectsProcessed: 1 });
  });
});
