// The events consumer against the fauxqs emulator behind local mode's fault proxy: what real S3 and
// SQS do that the emulator on loopback never shows (a committed write whose response is lost, a 409
// answer, a long-poll response still on its way at SIGTERM, a slow S3).
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
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

/** Sends `count` invalid events (no store_id) whose bodies are `padBytes` long, quarantined raw. */
async function sendLargeInvalid(queueUrl: string, count: number, padBytes: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => {
      const id = `large-${i + j}`;
      ids.push(id);
      return {
        Id: String(j),
        MessageBody: JSON.stringify({ request_id: id, pad: "x".repeat(padBytes) }),
        MessageAttributes: { event_type: { DataType: "String", StringValue: "sale_event" } },
      };
    });
    // One message per call (a SendMessageBatch may carry 256 KiB in all), ten at a time.
    await Promise.all(
      entries.map((entry) =>
        direct.sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: entry.MessageBody,
            MessageAttributes: entry.MessageAttributes,
          }),
        ),
      ),
    );
  }
  return ids;
}

describe("events consumer memory under a burst of large invalid messages", () => {
  it("holds at most its byte bound of records while S3 is slow, not every message it could receive", async () => {
    const target = await freshTarget(direct, "fault-large");
    // 160 bodies of 200 KiB: 32 MB of raw bodies, each embedded in its quarantine record.
    const ids = await sendLargeInvalid(target.queueUrl, 160, 200 * 1024);
    const slow = proxy.inject({
      operation: "s3:PutObject",
      action: { kind: "delay", ms: 400 },
      times: Infinity,
    });
    // Observed from outside the consumer: messages received whose records are not stored yet.
    let held = 0;
    let peak = 0;
    const sqs = {
      send: async (command: unknown, options?: unknown) => {
        const out = (await (viaProxy.sqs.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        )) as { Messages?: unknown[] };
        if (command instanceof ReceiveMessageCommand) {
          held += out.Messages?.length ?? 0;
          peak = Math.max(peak, held);
        }
        return out;
      },
    } as unknown as SQSClient;
    const s3 = {
      send: async (command: unknown, options?: unknown) => {
        const out = await (viaProxy.s3.send as (c: unknown, o?: unknown) => Promise<unknown>)(
          command,
          options,
        );
        if (command instanceof PutObjectCommand) {
          held -= String(command.input.Body).split("\n").filter(Boolean).length;
        }
        return out;
      },
    } as unknown as S3Client;
    const maxHeldBytes = 4 * 1024 * 1024;
    const receiveConcurrency = 2;
    try {
      const summary = await new EventConsumer({
        sqs,
        s3,
        ...target,
        ...quick,
        batchMaxEvents: 10_000,
        batchMaxBytes: 1024 * 1024,
        batchMaxAgeSeconds: 1,
        visibilityTimeoutSeconds: 60,
        receiveConcurrency,
        maxHeldBytes,
      }).run();
      expect(summary).toMatchObject({ quarantined: ids.length, deleted: ids.length });
    } finally {
      slow.disarm();
    }
    // The bound, plus one receive per poller that may land after it was reached (10 messages).
    const recordBytes = 200 * 1024;
    expect(peak).toBeLessThanOrEqual(
      Math.ceil(maxHeldBytes / recordBytes) + receiveConcurrency * 10,
    );
    const { quarantine } = countIds(await readBucket(direct.s3, target.bucket));
    expect([...quarantine.keys()].sort()).toEqual([...ids].sort());
  });
});
