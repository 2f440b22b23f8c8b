// The producer's liveness probe: it fails once sends were due and none succeeded for the timeout,
// and not while the producer only waits on its own (slow) schedule.
import type { SQSClient } from "@aws-sdk/client-sqs";
import { EventGenerator, seededRandom } from "../src/events/generator";
import { runProducer } from "../src/events/producer";
import { producerLiveness, SendProgress } from "../src/events/send-progress";
import { clients, freshTarget } from "./support/events-emulator";

const { sqs, s3 } = clients();
afterAll(() => {
  sqs.destroy();
  s3.destroy();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a producer for `ms` at `eventsPerSecond` and returns its liveness at the end. */
async function livenessAfter(client: Pick<SQSClient, "send">, eventsPerSecond: number, ms: number) {
  const { queueUrl } = await freshTarget({ sqs, s3 }, "liveness");
  const progress = new SendProgress();
  const controller = new AbortController();
  const running = runProducer({
    sqs: client,
    queueUrl,
    total: 0,
    eventsPerSecond,
    generator: new EventGenerator({ badEventRatio: 0, random: seededRandom(1) }),
    progress,
    signal: controller.signal,
  }).catch(() => undefined);
  await wait(ms);
  const live = producerLiveness(progress, 1);
  controller.abort();
  return { live, running };
}

describe("producer liveness", () => {
  it("fails when sends are due and none has succeeded for the timeout (SQS not answering)", async () => {
    const hanging = { send: () => new Promise(() => undefined) } as unknown as SQSClient;
    const { live } = await livenessAfter(hanging, 100, 1_500);
    expect(live).toEqual({ ok: false, reason: expect.stringMatching(/no event sent in 1s/) });
  });

  it("stays ok while sends succeed", async () => {
    const { live, running } = await livenessAfter(sqs, 100, 1_500);
    expect(live).toEqual({ ok: true });
    await running;
  });

  it("stays ok while the producer only waits on a slow schedule", async () => {
    // 0.4 events/s: one send every 2.5 s, longer than the 1 s timeout.
    const { live, running } = await livenessAfter(sqs, 0.4, 1_500);
    expect(live).toEqual({ ok: true });
    await running;
  });
});
