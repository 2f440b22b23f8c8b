/**
 * Prometheus metrics of the event commands, on a registry of their own (nothing is registered at
 * import time, and tests can create as many as they like).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The consumer's metrics. */
export interface ConsumerMetrics {
  readonly registry: Registry;
  readonly received: Counter<string>;
  readonly redelivered: Counter<string>;
  readonly stored: Counter<"event_type">;
  readonly quarantined: Counter<string>;
  readonly duplicates: Counter<string>;
  readonly deleted: Counter<string>;
  readonly objects: Counter<"kind">;
  readonly errors: Counter<"operation">;
  readonly batchRecords: Histogram<"kind">;
  readonly batchBytes: Histogram<"kind">;
  readonly flushSeconds: Histogram<string>;
  readonly held: Gauge<string>;
}

/** The producer's metrics. */
export interface ProducerMetrics {
  readonly registry: Registry;
  readonly sent: Counter<string>;
  readonly failed: Counter<string>;
}

/** A registry with the default process metrics, optionally. */
export function createRegistry(processMetrics = true): Registry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Creates the consumer's metrics on `registry`. */
export function createConsumerMetrics(registry: Registry = createRegistry(false)): ConsumerMetrics {
  const registers = [registry];
  return {
    registry,
    received: new Counter({
      name: "events_consumer_received_total",
      help: "Messages received from the events queue",
      registers,
    }),
    redelivered: new Counter({
      name: "events_consumer_redelivered_total",
      help: "Messages received more than once (ApproximateReceiveCount > 1)",
      registers,
    }),
    stored: new Counter({
      name: "events_consumer_stored_total",
      help: "Event records written under events/",
      labelNames: ["event_type"],
      registers,
    }),
    quarantined: new Counter({
      name: "events_consumer_quarantined_total",
      help: "Invalid messages written under quarantine/",
      registers,
    }),
    duplicates: new Counter({
      name: "events_consumer_duplicates_total",
      help: "Messages whose request_id this process had already stored or batched (not rewritten)",
      registers,
    }),
    deleted: new Counter({
      name: "events_consumer_deleted_total",
      help: "Messages deleted from the queue after their object was stored",
      registers,
    }),
    objects: new Counter({
      name: "events_consumer_objects_total",
      help: "Objects written to the events bucket",
      labelNames: ["kind"],
      registers,
    }),
    errors: new Counter({
      name: "events_consumer_errors_total",
      help: "Failed operations by kind (receive, put, delete)",
      labelNames: ["operation"],
      registers,
    }),
    batchRecords: new Histogram({
      name: "events_consumer_batch_records",
      help: "Records per written object",
      labelNames: ["kind"],
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    batchBytes: new Histogram({
      name: "events_consumer_batch_bytes",
      help: "Bytes per written object",
      labelNames: ["kind"],
      buckets: [1e3, 1e4, 1e5, 5e5, 1e6, 4e6, 8e6, 16e6],
      registers,
    }),
    flushSeconds: new Histogram({
      name: "events_consumer_flush_seconds",
      help: "Time to store one object and delete its messages",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    held: new Gauge({
      name: "events_consumer_held_messages",
      help: "Messages received and not yet deleted (open and flushing batches)",
      registers,
    }),
  };
}

/** Creates the producer's metrics on `registry`. */
export function createProducerMetrics(registry: Registry = createRegistry(false)): ProducerMetrics {
  const registers = [registry];
  return {
    registry,
    sent: new Counter({
      name: "events_producer_sent_total",
      help: "Events accepted by the events queue",
      registers,
    }),
    failed: new Counter({
      name: "events_producer_failed_total",
      help: "Events the queue refused after retries",
      registers,
    }),
  };
}
