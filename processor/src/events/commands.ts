/**
 * The `produce` and `consume` commands: environment → clients, logger, metrics endpoint and shutdown
 * signal → {@link runProducer} / {@link EventConsumer}. Each resolves to the process exit code.
 */
import { awsSettingsFromEnv, createS3Client, createSqsClient } from "../aws";
import { createLogger, type Logger } from "../log";
import { installShutdown } from "../shutdown";
import { parseConsumeEnv, parseProduceEnv, tuningFromEnv } from "./config";
import { EventConsumer } from "./consumer";
import { EventGenerator } from "./generator";
import { startHealthServer } from "./health-server";
import { createConsumerMetrics, createProducerMetrics, createRegistry } from "./metrics";
import { runProducer } from "./producer";
import { producerLiveness, SendProgress } from "./send-progress";

type Env = Readonly<Record<string, string | undefined>>;

/** Splits the flags a command accepts from anything else (reported as a usage error). */
export function parseFlags(args: readonly string[], known: readonly string[]) {
  const unknown = args.filter((a) => !known.includes(a));
  return { flags: new Set(args.filter((a) => known.includes(a))), unknown };
}

function usageError(command: string, unknown: readonly string[]): number {
  process.stderr.write(`processor ${command}: unknown argument(s) ${unknown.join(" ")}\n`);
  return 2;
}

/** `processor produce`: sends EVENTS_TOTAL events (0 = until SIGTERM) at EVENTS_PER_SECOND. */
export async function produce(args: readonly string[], env: Env = process.env): Promise<number> {
  const { unknown } = parseFlags(args, []);
  if (unknown.length > 0) return usageError("produce", unknown);
  const config = parseProduceEnv(env);
  const logger = createLogger({ level: config.LOG_LEVEL, base: { command: "produce" } });
  const shutdown = installShutdown(logger);
  const sqs = createSqsClient(awsSettingsFromEnv(env));
  const metrics = createProducerMetrics(createRegistry());
  const progress = new SendProgress();
  let running = true;
  const server = await startHealthServer({
    port: config.METRICS_PORT,
    registry: metrics.registry,
    live: () => producerLiveness(progress, config.LIVENESS_TIMEOUT_SECONDS),
    ready: () => (running ? { ok: true } : { ok: false, reason: "stopping" }),
  });
  logger.info({ port: server.port }, "http listening");
  try {
    const summary = await runProducer({
      sqs,
      queueUrl: config.EVENTS_QUEUE_URL,
      generator: new EventGenerator({ badEventRatio: config.BAD_EVENT_RATIO }),
      total: config.EVENTS_TOTAL,
      eventsPerSecond: config.EVENTS_PER_SECOND,
      concurrency: config.PRODUCE_CONCURRENCY,
      signal: shutdown.signal,
      logger,
      metrics,
      progress,
    });
    logger.info(
      { ...summary, eventsPerSecond: rate(summary.sent, summary.seconds) },
      "producer stopped",
    );
    return summary.failed > 0 ? 1 : 0;
  } catch (err) {
    logger.error({ err }, "producer failed");
    return 1;
  } finally {
    running = false;
    await close(server, shutdown, logger);
    sqs.destroy();
  }
}

/** `processor consume [--until-empty]`: stores events until SIGTERM, or until the queue is drained. */
export async function consume(args: readonly string[], env: Env = process.env): Promise<number> {
  const { flags, unknown } = parseFlags(args, ["--until-empty"]);
  if (unknown.length > 0) return usageError("consume", unknown);
  const config = parseConsumeEnv(env);
  const logger = createLogger({ level: config.LOG_LEVEL, base: { command: "consume" } });
  const shutdown = installShutdown(logger);
  const aws = awsSettingsFromEnv(env);
  const sqs = createSqsClient(aws);
  const s3 = createS3Client(aws);
  const metrics = createConsumerMetrics(createRegistry());
  const consumer = new EventConsumer({
    sqs,
    s3,
    queueUrl: config.EVENTS_QUEUE_URL,
    bucket: config.EVENTS_BUCKET,
    untilEmpty: flags.has("--until-empty"),
    signal: shutdown.signal,
    logger,
    metrics,
    ...tuningFromEnv(config),
  });
  const livenessMs = config.LIVENESS_TIMEOUT_SECONDS * 1000;
  const server = await startHealthServer({
    port: config.METRICS_PORT,
    registry: metrics.registry,
    live: () =>
      Date.now() - consumer.lastProgressAt <= livenessMs
        ? { ok: true }
        : {
            ok: false,
            reason: `no receive or write finished in ${config.LIVENESS_TIMEOUT_SECONDS}s`,
          },
    ready: () => (consumer.ready ? { ok: true } : { ok: false, reason: "not receiving" }),
  });
  logger.info({ port: server.port }, "http listening");
  try {
    await consumer.run();
    return 0;
  } catch (err) {
    logger.error({ err }, "consumer failed");
    return 1;
  } finally {
    await close(server, shutdown, logger);
    sqs.destroy();
    s3.destroy();
  }
}

async function close(
  server: { close(): Promise<void> },
  shutdown: { dispose(): void },
  logger: Logger,
): Promise<void> {
  shutdown.dispose();
  await server.close().catch((err: unknown) => logger.warn({ err }, "http close failed"));
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? Math.round(count / seconds) : 0;
}
