/**
 * A message whose processing failed transiently comes back after a back-off that grows with its
 * receive count, not after the whole visibility timeout, and still reaches the dead-letter queue
 * after `maxReceiveCount` receives (against the emulator's redrive policy).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { s3ClientConfig } from "../src/aws";
import { redeliveryDelaySeconds } from "../src/preprocess/redelivery";
import {
  credentials,
  depth,
  FIXTURES,
  freshPipeline,
  settings,
  sqs,
  upload,
  scratchJobs,
} from "./support/preprocess-harness";

const { job } = scratchJobs("preprocess-redelivery-");

/** An S3 client whose every request answers 503 (an S3 outage), without SDK retries. */
function downS3(): S3Client {
  const client = new S3Client({
    ...s3ClientConfig({ ...settings(), maxAttempts: 1 }),
    credentials,
  });
  client.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error("injected: service unavailable"), {
        name: "ServiceUnavailable",
        $metadata: { httpStatusCode: 503 },
      });
    },
    { step: "initialize", name: "alwaysUnavailable" },
  );
  return client;
}

describe("redelivery after a transient failure", () => {
  test("the delay doubles per receive from the base and never exceeds the visibility timeout", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => redeliveryDelaySeconds(n, 30, 900));
    expect(delays).toEqual([30, 60, 120, 240, 480, 900]);
    expect(redeliveryDelaySeconds(1, 30, 20)).toBe(20);
    expect(redeliveryDelaySeconds(Number.NaN, 30, 900)).toBe(30);
    // maxReceiveCount 5: four waits between the five receives, a quarter of 4 x 900 s.
    expect(delays.slice(0, 4).reduce((a, b) => a + b, 0)).toBeLessThan((4 * 900) / 4);
  });

  test("a message whose processing failed transiently is visible again after its back-off, not the visibility timeout, and reaches the DLQ after maxReceiveCount", async () => {
    // Visibility 60 s: without the back-off no try would come back within this test.
    const p = await freshPipeline(60, 3);
    await upload(p, "input/outage.csv", readFileSync(join(FIXTURES, "types", "input.csv")));
    const s3 = downS3();
    const delays: number[] = [];
    try {
      for (let receive = 1; receive <= 3; receive++) {
        const started = performance.now();
        // Waits up to 10 s for the message to be visible again (the back-off is 1, then 2 s).
        const { run, lines } = job(p, {
          s3,
          maxMessages: 1,
          waitTimeSeconds: 10,
          visibilityTimeoutSeconds: 60,
          heartbeatSeconds: 20,
          redeliveryBackoffSeconds: 1,
          retry: { attempts: 1 },
        });
        const summary = await run;
        expect(summary).toMatchObject({ received: 1, deleted: 0, left: 1 });
        const failed = lines.find(
          (l) => l.msg === "processing failed; message visible again after a back-off",
        );
        expect(failed).toMatchObject({ transient: true, receiveCount: receive });
        delays.push(failed?.delaySeconds as number);
        expect(performance.now() - started).toBeLessThan(15_000);
      }
    } finally {
      s3.destroy();
    }
    expect(delays).toEqual([1, 2, 4]);
    // Its third receive was the last the redrive policy allows: the next one moves it to the DLQ.
    await new Promise((r) => setTimeout(r, 4500));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, WaitTimeSeconds: 1 }));
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: p.dlqUrl, WaitTimeSeconds: 2 }),
    );
    expect(moved.Messages).toHaveLength(1);
    expect(await depth(p.queueUrl)).toBe(0);
  });
});
