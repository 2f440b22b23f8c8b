// The baseline of `npm run bench:events`: drains a queue with nothing but ReceiveMessage and
// DeleteMessageBatch (same concurrency and wait as the consumer, no validation, no S3), and prints
// one JSON line: {messages, drainSeconds} from the first message received until it knows the queue
// is empty (every worker got an empty long poll, the consumer's --until-empty rule), and
// lastDeleteSeconds until the last message was deleted.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

async function drain(): Promise<void> {
  const [endpoint, queueUrl, concurrencyArg] = process.argv.slice(2);
  if (!endpoint || !queueUrl)
    throw new Error("usage: events-bare-drain ENDPOINT QUEUE_URL [CONCURRENCY]");
  const sqs = new SQSClient({
    endpoint,
    region: "us-east-1",
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const concurrency = Number(concurrencyArg ?? 4);
  let messages = 0;
  let first = 0;
  let last = 0;
  let empty = 0;
  const worker = async () => {
    // Stop once every worker has seen an empty queue in a row (the consumer's --until-empty rule).
    while (empty < concurrency) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const batch = received.Messages ?? [];
      if (batch.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      if (first === 0) first = Date.now();
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      messages += batch.length;
      last = Date.now();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const finished = Date.now();
  sqs.destroy();
  console.log(
    JSON.stringify({
      messages,
      drainSeconds: (finished - first) / 1000,
      lastDeleteSeconds: (last - first) / 1000,
    }),
  );
}

drain().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
