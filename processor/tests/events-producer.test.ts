import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { EventGenerator, seededRandom } from "../src/events/generator";
import { entriesPerSend, runProducer } from "../src/events/producer";
import { clients, freshTarget, queueDepth } from "./support/events-emulator";

const generator = () => new EventGenerator({ badEventRatio: 0.1, random: seededRandom(3) });

/** A stub SQS client: `reply` answers each SendMessageBatch. */
function stubSqs(reply: (command: SendMessageBatchCommand, call: number) => unknown) {
  const calls: SendMessageBatchCommand[] = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand) => {
      calls.push(command);
      return reply(command, calls.length);
    },
  } as unknown as SQSClient;
  return { sqs, calls };
}

const allOk = (command: SendMessageBatchCommand): Partial<SendMessageBatchCommandOutput> => ({
  Successful: (command.input.Entries ?? []).map((e) => ({
    Id: e.Id,
    MessageId: `m-${e.Id}`,
    MD5OfMessageBody: "",
  })),
  Failed: [],
});

describe("events producer", () => {
  it("sends events to the queue with the event_type attribute", async () => {
    const { sqs, s3 } = clients();
    const target = await freshTarget({ sqs, s3 }, "produce");
    const summary = await runProducer({
      sqs,
      queueUrl: target.queueUrl,
      generator: generator(),
      total: 95,
      eventsPerSecond: 0,
    });
    expect(summary).toMatchObject({ sent: 95, failed: 0 });
    expect(await queueDepth(sqs, target.queueUrl)).toBe(95);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["event_type"],
      }),
    );
    expect(Messages).toHaveLength(10);
    for (const m of Messages) {
      expect(["sale_event", "inventory_event"]).toContain(
        m.MessageAttributes?.event_type?.StringValue,
      );
      expect(JSON.parse(m.Body ?? "{}")).toHaveProperty("request_id");
    }
    sqs.destroy();
    s3.destroy();
  });

  it("sends batches of 10, the last one smaller", async () => {
    const { sqs, calls } = stubSqs(allOk);
    await runProducer({
      sqs,
      queueUrl: "q",
      generator: generator(),
      total: 25,
      eventsPerSecond: 0,
    });
    expect(calls.map((c) => c.input.Entries?.length)).toEqual([10, 10, 5]);
  });

  it("sends again only the entries SQS reports as failed", async () => {
    const { sqs, calls } = stubSqs((command, call) =>
      call === 1
        ? {
            Successful: [],
            Failed: [
              { Id: "3", Code: "InternalError", SenderFault: false },
              { Id: "7", Code: "ServiceUnavailable", SenderFault: false },
            ],
          }
        : allOk(command),
    );
    const summary = await runProducer({
      sqs,
      queueUrl: "q",
      generator: generator(),
      total: 10,
      eventsPerSecond: 0,
      concurrency: 1,
    });
    expect(calls[1]?.input.Entries?.map((e) => e.Id)).toEqual(["3", "7"]);
    expect(calls[1]?.input.Entries?.[0]?.MessageBody).toBe(
      calls[0]?.input.Entries?.[3]?.MessageBody,
    );
    expect(summary).toMatchObject({ sent: 8 + 2, retried: 2, failed: 0 });
  });

  it("counts an entry refused as the sender's fault as failed without retrying it", async () => {
    const { sqs, calls } = stubSqs(() => ({
      Successful: [],
      Failed: [{ Id: "0", Code: "InvalidMessageContents", SenderFault: true }],
    }));
    const summary = await runProducer({
      sqs,
      queueUrl: "q",
      generator: generator(),
      total: 1,
      eventsPerSecond: 0,
    });
    expect(calls).toHaveLength(1);
    expect(summary).toMatchObject({ sent: 0, failed: 1 });
  });

  it("fails when the queue keeps failing instead of dropping events silently", async () => {
    const { sqs } = stubSqs(() => {
      throw Object.assign(new Error("unavailable"), { name: "ServiceUnavailable" });
    });
    await expect(
      runProducer({
        sqs,
        queueUrl: "q",
        generator: generator(),
        total: 10,
        eventsPerSecond: 0,
        attempts: 2,
      }),
    ).rejects.toThrow(/SendMessageBatch kept failing: ServiceUnavailable/);
  });

  it("keeps a steady rate: 100 events at 200 per second take about half a second, in even sends", async () => {
    const { sqs, calls } = stubSqs(allOk);
    const times: number[] = [];
    const timed = {
      send: (command: SendMessageBatchCommand) => {
        times.push(Date.now());
        return sqs.send(command);
      },
    } as unknown as SQSClient;
    const started = Date.now();
    const summary = await runProducer({
      sqs: timed,
      queueUrl: "q",
      generator: generator(),
      total: 100,
      eventsPerSecond: 200,
    });
    expect(summary.sent).toBe(100);
    expect(calls).toHaveLength(10);
    // The 10th send is due 450 ms after the first.
    expect((times.at(-1) ?? 0) - started).toBeGreaterThanOrEqual(440);
    // Evenly spread, not one burst (median, so one late timer under load does not matter).
    const gaps = times
      .slice(1)
      .map((t, i) => t - (times[i] ?? t))
      .sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(40);
  });

  it("sends slow rates one event at a time and fast ones in full batches", () => {
    expect([0.5, 5, 19, 50, 100, 5000, 0].map(entriesPerSend)).toEqual([1, 1, 1, 5, 10, 10, 10]);
  });

  it("stops on its signal without losing a sent event from the count", async () => {
    const controller = new AbortController();
    const { sqs, calls } = stubSqs((command, call) => {
      if (call === 3) controller.abort("SIGTERM");
      return allOk(command);
    });
    const summary = await runProducer({
      sqs,
      queueUrl: "q",
      generator: generator(),
      total: 0,
      eventsPerSecond: 1000,
      signal: controller.signal,
    });
    const entries = calls.reduce((n, c) => n + (c.input.Entries?.length ?? 0), 0);
    expect(summary.sent).toBe(entries);
    expect(summary.sent).toBeGreaterThan(0);
  });

  it("rejects a negative rate, naming it", async () => {
    const { sqs } = stubSqs(allOk);
    await expect(
      runProducer({ sqs, queueUrl: "q", generator: generator(), total: 1, eventsPerSecond: -1 }),
    ).rejects.toThrow(/eventsPerSecond/);
  });
});
