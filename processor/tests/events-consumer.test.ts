// The consumer against the fauxqs emulator (real SDK clients), in this process: what it stores,
// what it deletes and when, and how it copes with failed writes and failed deletes.
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type DeleteMessageBatchCommandOutput,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { EventConsumer } from "../src/events/consumer";
import { EVENT_TYPES } from "../src/events/event";
import {
  clients,
  countIds,
  fill,
  freshTarget,
  queueDepth,
  readBucket,
} from "./support/events-emulator";

const { sqs, s3 } = clients();

afterAll(() => {
  sqs.destroy();
  s3.destroy();
});

/**
 * Tuning that keeps each test to a few seconds. The visibility timeout leaves room for a loaded
 * machine (at 2 s, a CI box at load 30 redelivered messages before their batch was stored).
 */
const quick = {
  batchMaxEvents: 100,
  batchMaxAgeSeconds: 0.3,
  visibilityTimeoutSeconds: 10,
  waitTimeSeconds: 1,
  untilEmpty: true,
};

type Send = (command: unknown, options?: unknown) => Promise<unknown>;

/** An SQS client whose `send` is intercepted by `around` (to record or fail calls). */
function interceptSqs(around: (command: unknown, send: Send) => Promise<unknown>) {
  const send: Send = (command, options) =>
    (sqs.send as unknown as Send).call(sqs, command, options);
  return {
    send: (command: unknown, options?: unknown) => around(command, (c) => send(c, options)),
  } as unknown as SQSClient;
}

describe("events consumer", () => {
  it("stores every valid event exactly once under its type and day, quarantines every invalid one, and empties the queue", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-all");
    const sent = await fill(sqs, target.queueUrl, 600, 0.1);
    const summary = await new EventConsumer({ sqs, s3, ...target, ...quick }).run();

    const objects = await readBucket(s3, target.bucket);
    const { events, quarantine } = countIds(objects);
    const valid = sent.filter((e) => !e.bad);
    const bad = sent.filter((e) => e.bad);
    expect([...events.keys()].sort()).toEqual(valid.map((e) => e.requestId).sort());
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    expect([...quarantine.keys()].sort()).toEqual(bad.map((e) => e.requestId).sort());
    expect(await queueDepth(sqs, target.queueUrl)).toBe(0);
    expect(summary).toMatchObject({
      received: 600,
      stored: valid.length,
      quarantined: bad.length,
      deleted: 600,
      duplicates: 0,
      putFailures: 0,
      reason: "drained",
    });

    // Keys follow the contract, and each record sits under its own event type and day.
    const typeOf = new Map(sent.map((e) => [e.requestId, e.eventType]));
    for (const { key, records } of objects) {
      expect(key).toMatch(
        /^(events\/event_type=(sale_event|inventory_event)\/|quarantine\/)dt=\d{4}-\d{2}-\d{2}\/\d{8}T\d{9}Z-[0-9a-f]{16}\.ndjson$/,
      );
      expect(records.length).toBeLessThanOrEqual(quick.batchMaxEvents);
      for (const record of records) {
        if (key.startsWith("events/")) {
          expect(key).toContain(`event_type=${typeOf.get(String(record.request_id))}/`);
          expect(key).toContain(`dt=${String(record.ts).slice(0, 10)}/`);
        } else {
          expect(record).toMatchObject({ reason: expect.stringMatching(/^store_id: /) });
          expect(EVENT_TYPES).toContain(record.event_type);
          expect(typeof record.body).toBe("string");
          expect(JSON.parse(String(record.body))).not.toHaveProperty("store_id");
        }
      }
    }
  });

  it("deletes a message only after the object holding its event is stored", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-order");
    await fill(sqs, target.queueUrl, 300, 0.1);
    const messageIdOf = new Map<string, string>(); // receipt handle or request id → message id
    const stored = new Set<string>(); // message ids whose record is in a stored object
    const deletedBeforeStored: string[] = [];
    const watchedSqs = interceptSqs(async (command, send) => {
      if (command instanceof DeleteMessageBatchCommand) {
        for (const e of command.input.Entries ?? []) {
          const id = messageIdOf.get(e.ReceiptHandle ?? "") ?? "";
          if (!stored.has(id)) deletedBeforeStored.push(id);
        }
      }
      const output = await send(command);
      if (command instanceof ReceiveMessageCommand) {
        for (const m of (output as ReceiveMessageCommandOutput).Messages ?? []) {
          messageIdOf.set(m.ReceiptHandle ?? "", m.MessageId ?? "");
          const body = JSON.parse(m.Body ?? "{}") as { request_id?: string };
          if (body.request_id) messageIdOf.set(body.request_id, m.MessageId ?? "");
        }
      }
      return output;
    });
    const watchedS3 = {
      send: async (command: unknown, options?: unknown) => {
        const output = await (s3.send as unknown as Send).call(s3, command, options);
        if (command instanceof PutObjectCommand) {
          // Event records carry request_id; quarantine records carry message_id.
          for (const line of String(command.input.Body).split("\n").filter(Boolean)) {
            const record = JSON.parse(line) as { message_id?: string; request_id: string };
            stored.add(record.message_id ?? messageIdOf.get(record.request_id) ?? "");
          }
        }
        return output;
      },
    } as unknown as S3Client;

    const summary = await new EventConsumer({
      sqs: watchedSqs,
      s3: watchedS3,
      ...target,
      ...quick,
    }).run();

    expect(summary.deleted).toBe(300);
    expect(stored.size).toBe(300);
    expect(deletedBeforeStored).toEqual([]);
  });

  it("deletes nothing after a failed PutObject; the messages come back and are stored once", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-putfail");
    const sent = await fill(sqs, target.queueUrl, 120, 0);
    const deliveries = new Map<string, string[]>(); // request id → receipt handles, in order
    const deleted = new Set<string>();
    const failedIds: string[] = [];
    let puts = 0;
    const watchedSqs = interceptSqs(async (command, send) => {
      if (command instanceof DeleteMessageBatchCommand) {
        for (const e of command.input.Entries ?? []) deleted.add(e.ReceiptHandle ?? "");
      }
      const output = await send(command);
      if (command instanceof ReceiveMessageCommand) {
        for (const m of (output as ReceiveMessageCommandOutput).Messages ?? []) {
          const id = (JSON.parse(m.Body ?? "{}") as { request_id: string }).request_id;
          deliveries.set(id, [...(deliveries.get(id) ?? []), m.ReceiptHandle ?? ""]);
        }
      }
      return output;
    });
    const failingS3 = {
      send: (command: unknown, options?: unknown) => {
        if (command instanceof PutObjectCommand && puts++ === 0) {
          for (const line of String(command.input.Body).split("\n").filter(Boolean)) {
            failedIds.push((JSON.parse(line) as { request_id: string }).request_id);
          }
          const error = Object.assign(new Error("We encountered an internal error"), {
            name: "InternalError",
          });
          return Promise.reject(error);
        }
        return (s3.send as unknown as Send).call(s3, command, options);
      },
    } as unknown as S3Client;

    const summary = await new EventConsumer({
      sqs: watchedSqs,
      s3: failingS3,
      ...target,
      ...quick,
    }).run();

    expect(failedIds.length).toBeGreaterThan(0);
    for (const id of failedIds) {
      const [first, second, ...more] = deliveries.get(id) ?? [];
      expect(deleted.has(first ?? "")).toBe(false); // its failed write released it, undeleted
      expect(deleted.has(second ?? "")).toBe(true); // received again, stored, then deleted
      expect(more).toEqual([]);
    }
    const { events } = countIds(await readBucket(s3, target.bucket));
    expect([...events.keys()].sort()).toEqual(sent.map((e) => e.requestId).sort());
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    expect(summary).toMatchObject({ putFailures: 1, released: failedIds.length, deleted: 120 });
    expect(await queueDepth(sqs, target.queueUrl)).toBe(0);
  });

  it("retries the entries of a partially failed DeleteMessageBatch until they are deleted", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-delfail");
    await fill(sqs, target.queueUrl, 100, 0);
    const calls: string[][] = [];
    const flakySqs = interceptSqs(async (command, send) => {
      if (!(command instanceof DeleteMessageBatchCommand)) return send(command);
      const entries = command.input.Entries ?? [];
      calls.push(entries.map((e) => e.Id ?? ""));
      if (calls.length > 1) return send(command);
      // The first call: SQS deletes half of the entries and reports the other half as failed.
      await send(new DeleteMessageBatchCommand({ ...command.input, Entries: entries.slice(0, 5) }));
      return {
        Successful: entries.slice(0, 5).map((e) => ({ Id: e.Id })),
        Failed: entries
          .slice(5)
          .map((e) => ({ Id: e.Id, Code: "InternalError", SenderFault: false })),
      } satisfies Partial<DeleteMessageBatchCommandOutput>;
    });

    const summary = await new EventConsumer({ sqs: flakySqs, s3, ...target, ...quick }).run();

    expect(calls).toContainEqual(["5", "6", "7", "8", "9"]);
    expect(summary).toMatchObject({ deleted: 100, deleteFailures: 0, duplicates: 0, stored: 100 });
    expect(await queueDepth(sqs, target.queueUrl)).toBe(0);
  });

  it("recognises a message that could not be deleted when it comes back, and deletes it without writing it again", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-delgone");
    await fill(sqs, target.queueUrl, 50, 0);
    let refused = false;
    const sqsRefusingOnce = interceptSqs(async (command, send) => {
      if (command instanceof DeleteMessageBatchCommand && !refused) {
        refused = true;
        const entries = command.input.Entries ?? [];
        return {
          Successful: [],
          Failed: entries.map((e) => ({
            Id: e.Id,
            Code: "ReceiptHandleIsInvalid",
            SenderFault: true,
          })),
        };
      }
      return send(command);
    });

    const summary = await new EventConsumer({
      sqs: sqsRefusingOnce,
      s3,
      ...target,
      ...quick,
    }).run();

    const { events } = countIds(await readBucket(s3, target.bucket));
    expect(events.size).toBe(50);
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    expect(summary.deleteFailures).toBeGreaterThan(0);
    expect(summary.duplicates).toBe(summary.deleteFailures);
    expect(await queueDepth(sqs, target.queueUrl)).toBe(0);
  });

  it("writes an event sent twice once and counts the second copy as a duplicate", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-dup");
    const [event] = await fill(sqs, target.queueUrl, 1, 0);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: target.queueUrl,
        MessageBody: event?.body,
        MessageAttributes: { event_type: { DataType: "String", StringValue: event?.eventType } },
      }),
    );
    const summary = await new EventConsumer({ sqs, s3, ...target, ...quick }).run();
    expect(summary).toMatchObject({ received: 2, stored: 1, duplicates: 1, deleted: 2 });
  });

  it("never holds more messages than maxHeldMessages, writing its largest batch early instead", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-held");
    await fill(sqs, target.queueUrl, 400, 0);
    const consumer = new EventConsumer({
      sqs,
      s3,
      ...target,
      ...quick,
      batchMaxEvents: 10_000,
      batchMaxAgeSeconds: 10,
      visibilityTimeoutSeconds: 30,
      maxHeldMessages: 50,
      receiveConcurrency: 2,
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, consumer.heldMessages)), 1);
    const summary = await consumer.run();
    clearInterval(sampler);
    // One receive per poller may land after the limit was reached: at most 10 messages each.
    expect(peak).toBeLessThanOrEqual(50 + 2 * 10);
    expect(summary).toMatchObject({ stored: 400, deleted: 400 });
    expect(summary.objects).toBeGreaterThanOrEqual(400 / 70);
  });

  it("on its stop signal stops receiving, stores and deletes what it holds, and loses nothing", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-stop");
    const sent = await fill(sqs, target.queueUrl, 300, 0.1);
    const controller = new AbortController();
    const consumer = new EventConsumer({
      sqs,
      s3,
      ...target,
      ...quick,
      untilEmpty: false,
      batchMaxEvents: 10_000,
      batchMaxAgeSeconds: 1,
      signal: controller.signal,
    });
    const running = consumer.run();
    while (consumer.heldMessages < 100) await new Promise((r) => setTimeout(r, 5));
    controller.abort("SIGTERM");
    const first = await running;
    expect(first.reason).toBe("SIGTERM");
    expect(first.deleted).toBe(first.received);
    expect(consumer.heldMessages).toBe(0);

    // What it had not received is still there; a second run takes the rest.
    const second = await new EventConsumer({ sqs, s3, ...target, ...quick }).run();
    const { events, quarantine } = countIds(await readBucket(s3, target.bucket));
    expect(events.size + quarantine.size).toBe(sent.length);
    expect(first.duplicates + second.duplicates).toBe(0);
    expect(await queueDepth(sqs, target.queueUrl)).toBe(0);
  });

  it("gives up writes that outlast the shutdown timeout, deleting nothing they held", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-hang");
    await fill(sqs, target.queueUrl, 30, 0);
    // S3 never answers; the only way out is the abort signal the consumer passes at its deadline.
    const hangingS3 = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) =>
          options?.abortSignal?.addEventListener("abort", () =>
            reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
          ),
        ),
    } as unknown as S3Client;
    const controller = new AbortController();
    const consumer = new EventConsumer({
      sqs,
      s3: hangingS3,
      ...target,
      ...quick,
      batchMaxAgeSeconds: 0.05,
      shutdownTimeoutSeconds: 0.5,
      signal: controller.signal,
    });
    const running = consumer.run();
    while (consumer.heldMessages < 30) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100)); // the batch is being written (and hangs)
    const stoppedAt = Date.now();
    controller.abort("SIGTERM");
    const summary = await running;
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(summary).toMatchObject({ deleted: 0, stored: 0, released: 30 });
    expect(await queueDepth(sqs, target.queueUrl)).toBe(30);
  });

  it("stops with the error when the queue does not exist", async () => {
    const target = await freshTarget({ sqs, s3 }, "consume-noqueue");
    const consumer = new EventConsumer({
      sqs,
      s3,
      bucket: target.bucket,
      queueUrl: `${target.queueUrl}-missing`,
      ...quick,
    });
    await expect(consumer.run()).rejects.toMatchObject({
      name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/),
    });
  });
});
