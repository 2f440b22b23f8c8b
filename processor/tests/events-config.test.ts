import { EnvError, METRICS_PORT } from "../src/contract";
import { parseConsumeEnv, parseProduceEnv, tuningFromEnv } from "../src/events/config";
import { CONSUMER_DEFAULTS, validateTuning } from "../src/events/consumer-options";

const queue = { EVENTS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/events" };
const consumer = { ...queue, EVENTS_BUCKET: "events-bucket" };

describe("event commands' environment", () => {
  it("gives the producer a steady default rate, a small bad share and the contract's metrics port", () => {
    expect(parseProduceEnv(queue)).toMatchObject({
      EVENTS_TOTAL: 0,
      EVENTS_PER_SECOND: 5,
      BAD_EVENT_RATIO: 0.05,
      METRICS_PORT: METRICS_PORT,
    });
    expect(METRICS_PORT).toBe(9464);
  });

  it("keeps a configured 0 (as fast as possible, forever) instead of replacing it by the default", () => {
    expect(parseProduceEnv({ ...queue, EVENTS_PER_SECOND: "0", EVENTS_TOTAL: "0" })).toMatchObject({
      EVENTS_PER_SECOND: 0,
      EVENTS_TOTAL: 0,
    });
    expect(parseProduceEnv({ ...queue, EVENTS_PER_SECOND: "0.5" }).EVENTS_PER_SECOND).toBe(0.5);
  });

  it.each([
    [{ BAD_EVENT_RATIO: "1.5" }, /BAD_EVENT_RATIO must be between 0 and 1/],
    [{ EVENTS_PER_SECOND: "-2" }, /EVENTS_PER_SECOND must be >= 0/],
    [{ EVENTS_TOTAL: "ten" }, /EVENTS_TOTAL must be a number/],
    [{ EVENTS_QUEUE_URL: "" }, /EVENTS_QUEUE_URL is required/],
    [{ METRICS_PORT: "70000" }, /METRICS_PORT/],
  ])("rejects a bad producer variable, naming it: %o", (override, message) => {
    expect(() => parseProduceEnv({ ...queue, ...override })).toThrow(EnvError);
    expect(() => parseProduceEnv({ ...queue, ...override })).toThrow(message);
  });

  it("reads the consumer's tuning with the documented defaults, and the defaults are valid", () => {
    const tuning = tuningFromEnv(parseConsumeEnv(consumer));
    expect(tuning).toEqual(CONSUMER_DEFAULTS);
    expect(() => validateTuning(tuning)).not.toThrow();
  });

  it("reads every tuning variable", () => {
    const env = parseConsumeEnv({
      ...consumer,
      BATCH_MAX_EVENTS: "200",
      BATCH_MAX_BYTES: "1048576",
      BATCH_MAX_AGE_SECONDS: "0.5",
      RECEIVE_CONCURRENCY: "8",
      RECEIVE_WAIT_SECONDS: "10",
      VISIBILITY_TIMEOUT_SECONDS: "60",
      MAX_HELD_MESSAGES: "5000",
      FLUSH_CONCURRENCY: "2",
      DELETE_CONCURRENCY: "4",
      DEDUP_WINDOW: "0",
      SHUTDOWN_TIMEOUT_SECONDS: "15",
    });
    expect(tuningFromEnv(env)).toEqual({
      ...CONSUMER_DEFAULTS,
      batchMaxEvents: 200,
      batchMaxBytes: 1_048_576,
      batchMaxAgeSeconds: 0.5,
      receiveConcurrency: 8,
      waitTimeSeconds: 10,
      visibilityTimeoutSeconds: 60,
      maxHeldMessages: 5000,
      flushConcurrency: 2,
      deleteConcurrency: 4,
      dedupWindow: 0,
      shutdownTimeoutSeconds: 15,
    });
  });

  it.each([
    [{ EVENTS_BUCKET: undefined }, /EVENTS_BUCKET is required/],
    [{ RECEIVE_WAIT_SECONDS: "25" }, /RECEIVE_WAIT_SECONDS must be <= 20/],
    [{ BATCH_MAX_AGE_SECONDS: "0" }, /BATCH_MAX_AGE_SECONDS must be > 0/],
    [{ RECEIVE_CONCURRENCY: "0" }, /RECEIVE_CONCURRENCY must be > 0/],
  ])("rejects a bad consumer variable, naming it: %o", (override, message) => {
    expect(() => parseConsumeEnv({ ...consumer, ...override })).toThrow(message);
  });
});
