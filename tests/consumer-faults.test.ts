// The events consumer against the fauxqs emulator behind local mode's fault proxy: what real S3 and
// SQS do that the emulator on loopback never shows (a committed write whose response is lost, a 409
// answer, a long-poll response still on its way at SIGTERM, a slow S3).
import { S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFaultProxy, type FaultProxy } from "../local/fault-proxy";
import { EventConsumer } from "../processor/src/events/consumer";
import {
  clients,
  countIds,
  credentials,
  fill,
  freshTarget,
  queueDepth,
  readBucket,
} from "../processor/tests/support/events-emulator";

const direct = clients();
let proxy: FaultProxy;
let viaProxy: { sqs: SQSClient; s3: S3Client };

beforeAll(async () => {
  proxy = await startFaultProxy(process.env.FAUXQS_ENDPOINT ?? "");
  const base = { endpoint: proxy.endpoint, region: "us-east-1", credentials };
  viaProxy = {
    sqs: new SQSClient({ ...base, useQueueUrlAsEndpoint: false }),
    // The SDK's own retry is what meets the 412: keep its standard attempts, without long back-offs.
    s3: new S3Client({ ...base, forcePathStyle: true, maxAttempts: 3 }),
  };
});

afterAll(async () => {
  for (const c of [direct.sqs, direct.s3, viaProxy.sqs, viaProxy.s3]) c.destroy();
  await proxy.stop();
});

const quick = {
  batchMaxEvents: 100,
  batchMaxAgeSeconds: 0.3,
  visibilityTimeoutSeconds: 10,
  waitTimeSeconds: 1,
  untilEmpty: true,
};

describe("events consumer under S3 faults", () => {
  it("counts an object as stored when the SDK's retry of a committed PutObject meets 412, and deletes its messages once", async () => {
    const target = await freshTarget(direct, "fault-412");
    const sent = await fill(direct.sqs, target.queueUrl, 50, 0);
    const drop = proxy.inject({ operation: "s3:PutObject", action: { kind: "commit-then-drop" } });

    const summary = await new EventConsumer({ ...viaProxy, ...target, ...quick }).run();

    expect(drop.hits).toBe(1);
    const objects = await readBucket(direct.s3, target.bucket);
    const { events } = countIds(objects);
    expect([...events.keys()].sort()).toEqual(sent.map((e) => e.requestId).sort());
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    // Each message received once: nothing was released to come back under a new batch id.
    expect(summary).toMatchObject({ received: 50, deleted: 50, putFailures: 0, released: 0 });
    expect(await queueDepth(direct.sqs, target.queueUrl)).toBe(0);
  });

  it("retries a PutObject answered 409 ConditionalRequestConflict and stores the batch once", async () => {
    const target = await freshTarget(direct, "fault-409");
    const sent = await fill(direct.sqs, target.queueUrl, 50, 0);
    const conflict = proxy.inject({
      operation: "s3:PutObject",
      action: { kind: "error", status: 409, code: "ConditionalRequestConflict" },
    });

    const summary = await new EventConsumer({ ...viaProxy, ...target, ...quick }).run();

    expect(conflict.hits).toBe(1);
    const { events } = countIds(await readBucket(direct.s3, target.bucket));
    expect([...events.keys()].sort()).toEqual(sent.map((e) => e.requestId).sort());
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    expect(summary).toMatchObject({ received: 50, deleted: 50, putFailures: 0, released: 0 });
  });

  it("still releases a batch whose first attempt met 412 (a key it did not write), deleting nothing", async () => {
    const target = await freshTarget(direct, "fault-collide");
    await fill(direct.sqs, target.queueUrl, 20, 0);
    const collide = proxy.inject({
      operation: "s3:PutObject",
      action: { kind: "error", status: 412, code: "PreconditionFailed" },
    });

    const summary = await new EventConsumer({ ...viaProxy, ...target, ...quick }).run();

    expect(collide.hits).toBe(1);
    const { events } = countIds(await readBucket(direct.s3, target.bucket));
    expect(events.size).toBe(20);
    expect(summary).toMatchObject({ putFailures: 1, deleted: 20 });
    // The refused batch's messages came back and were received a second time.
    expect(summary.released).toBeGreaterThan(0);
    expect(summary.received).toBe(20 + summary.released);
  });
});

/** Messages of a queue that are hidden (received, not deleted). */
async function hiddenMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe("events consumer stopping under SQS faults", () => {
  it("on SIGTERM keeps the answer of a long poll SQS already committed and stores its messages, leaving none hidden", async () => {
    const target = await freshTarget(direct, "fault-sigterm");
    const sent = await fill(direct.sqs, target.queueUrl, 10, 0);
    // The first receive that got messages: SQS has made them in flight; the answer is on its way.
    const held = proxy.inject({
      operation: "sqs:ReceiveMessage",
      action: { kind: "hold-response", ms: 1_000 },
      whenAnswer: (body) => body.includes('"Messages"'),
    });
    const controller = new AbortController();
    const consumer = new EventConsumer({
      ...viaProxy,
      ...target,
      ...quick,
      untilEmpty: false,
      receiveConcurrency: 1,
      // Long enough that a hidden message would still be hidden when the run ends.
      visibilityTimeoutSeconds: 60,
      signal: controller.signal,
    });
    const running = consumer.run();
    await held.applied();
    controller.abort("SIGTERM");
    const summary = await running;

    expect(summary.reason).toBe("SIGTERM");
    expect(summary.received).toBeGreaterThan(0);
    expect(summary.deleted).toBe(summary.received);
    expect(await hiddenMessages(direct.sqs, target.queueUrl)).toBe(0);
    const { events } = countIds(await readBucket(direct.s3, target.bucket));
    expect(events.size + (await queueDepth(direct.sqs, target.queueUrl))).toBe(sent.length);
  });
});
