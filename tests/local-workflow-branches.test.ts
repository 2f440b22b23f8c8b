/**
 * A failed branch of the workflow's Parallel state stops the other branch's job, as Step Functions
 * stops every branch and runJob.sync deletes the Job of a stopped task. Run with the real
 * interpreter and the real job runner; the job is a real child process that would run for a
 * minute, and the lake copy fails for real (its S3 endpoint refuses connections).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { loadStack } from "../local/stack";
import { EventBus } from "../local/workflow/bus";
import { Executions } from "../local/workflow/executions";
import { JobRunner } from "../local/workflow/jobs";
import { objectCreatedEvent } from "../local/workflow/s3-events";
import { workflowStack, type WorkflowStack } from "../local/workflow/stack";
import { STATE_NAMES } from "../config/workflow-names";
import { ROOT } from "./support/local-run";

const stack = loadStack("orchestrated", ROOT);
const local = workflowStack(stack, {
  rawBucket: stack.names.rawBucket,
  processedBucket: stack.names.processedBucket,
}) as WorkflowStack;

/** Clients of a service that is not there: every call fails at once (connection refused). */
const nowhere = { endpoint: "http://127.0.0.1:9", region: local.region, maxAttempts: 1 };
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** A stand-in processor that outlives any test: a job that only its stop can end early. */
function slowProcessor(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "branch-stop-"));
  const bin = path.join(dir, "processor.js");
  writeFileSync(bin, "setTimeout(() => process.exit(0), 60_000);\n");
  return bin;
}

test("a failed lake copy stops the processing job of the same execution within the grace period", async () => {
  const jobs = new JobRunner(
    { node: process.execPath, processorBin: slowProcessor(), env: {}, log: new PassThrough() },
    0.1,
    1_000,
  );
  const s3 = new S3Client({ ...nowhere, credentials, forcePathStyle: true });
  const dynamo = new DynamoDBClient({ ...nowhere, credentials });
  const sns = new SNSClient({ ...nowhere, credentials });
  const notes: string[] = [];
  const executions = new Executions(
    { s3, dynamo, jobs, workflow: local, bus: new EventBus(local, sns, "arn:aws:sns:x:1:t") },
    0.1,
    (t) => notes.push(t),
  );
  try {
    const started = Date.now();
    const record = executions.onObjectCreated(
      objectCreatedEvent(
        { key: `${local.settings.prefix}a.csv`, size: 10, eTag: "e" },
        local.rawBucket,
        local.region,
        "01",
      ),
    );
    expect(record).toBeDefined();
    await executions.settled();
    // The execution fails through its catch path (the failure record cannot be written either).
    expect(record?.status).toBe("FAILED");
    expect(record?.entered).toContain(STATE_NAMES.process);
    const [job] = jobs.records;
    expect(jobs.records).toHaveLength(1);
    expect(job?.status).toBe("stopped");
    expect(jobs.running).toBe(0);
    // Stopped with the branch, not at its own end (60 s) or its scaled deadline.
    expect((job?.endedAt ?? Infinity) - started).toBeLessThan(20_000);
  } finally {
    await executions.stop();
    await jobs.stopAll();
    s3.destroy();
    dynamo.destroy();
    sns.destroy();
  }
}, 60_000);
