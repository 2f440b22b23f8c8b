/**
 * Groups received messages into the objects the consumer writes: one open batch per partition
 * (event type and event date, or quarantine and date), closed when it reaches its record or byte
 * limit, when it gets too old, or when the consumer needs the memory. Each batch keeps the messages
 * whose records it holds, so they are deleted only after that object is stored. Pure: the clock is
 * passed in.
 */
import type { EventType } from "./event";

/** Where a record goes: events of one type and day, or the quarantine of one day. */
export type Partition =
  | { readonly kind: "events"; readonly eventType: EventType; readonly dt: string }
  | { readonly kind: "quarantine"; readonly dt: string };

/** A received message the consumer holds until its record is stored. */
export interface HeldMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** When this consumer received it (epoch ms). */
  readonly receivedAt: number;
}

/** Limits of one batch. */
export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

/** A stable string for a partition (map key, log field). */
export function partitionId(p: Partition): string {
  return p.kind === "events" ? `events/${p.eventType}/${p.dt}` : `quarantine/${p.dt}`;
}

/** One object in the making. */
export class Batch {
  readonly lines: string[] = [];
  readonly messages: HeldMessage[] = [];
  /** Request ids of the records in this batch (duplicates within it are not written twice). */
  readonly requestIds = new Set<string>();
  bytes = 0;
  duplicates = 0;

  constructor(
    readonly partition: Partition,
    readonly openedAt: number,
  ) {}

  /** The NDJSON body: one record per line, newline-terminated. */
  body(): string {
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }
}

/** A record to add: its NDJSON line and request id (absent for quarantined records). */
export interface RecordInput {
  readonly line: string;
  readonly requestId?: string;
}

/** The open batches of every partition. */
export class Batcher {
  private readonly open = new Map<string, Batch>();
  private held = 0;
  private heldLineBytes = 0;

  constructor(private readonly limits: BatchLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new RangeError(`${name} must be a positive number, got ${value}`);
      }
    }
  }

  /** Messages in open batches. */
  get heldMessages(): number {
    return this.held;
  }

  /** Bytes of the records in open batches. */
  get heldBytes(): number {
    return this.heldLineBytes;
  }

  get openBatches(): number {
    return this.open.size;
  }

  /**
   * Adds `message` with its record (or, for a duplicate already in this partition's open batch or
   * already stored, with no record) and returns the batches that closed: the previous one when the
   * new line would overflow the byte limit, and this one when it reached a limit.
   */
  add(partition: Partition, message: HeldMessage, record: RecordInput | undefined, now: number) {
    const closed: Batch[] = [];
    const id = partitionId(partition);
    let batch = this.open.get(id);
    const lineBytes = record ? Buffer.byteLength(record.line) + 1 : 0;
    if (batch && batch.lines.length > 0 && batch.bytes + lineBytes > this.limits.maxBytes) {
      closed.push(this.close(id, batch));
      batch = undefined;
    }
    if (!batch) {
      batch = new Batch(partition, now);
      this.open.set(id, batch);
    }
    batch.messages.push(message);
    this.held++;
    if (record) {
      batch.lines.push(record.line);
      batch.bytes += lineBytes;
      this.heldLineBytes += lineBytes;
      if (record.requestId !== undefined) batch.requestIds.add(record.requestId);
    } else {
      batch.duplicates++;
    }
    if (batch.lines.length >= this.limits.maxRecords || batch.bytes >= this.limits.maxBytes) {
      closed.push(this.close(id, batch));
    }
    return closed;
  }

  /** Whether the open batch of `partition` already holds a record with `requestId`. */
  holds(partition: Partition, requestId: string): boolean {
    return this.open.get(partitionId(partition))?.requestIds.has(requestId) ?? false;
  }

  /** Closes and returns the batches opened at least `maxAgeMs` before `now`. */
  takeExpired(now: number): Batch[] {
    const expired: Batch[] = [];
    for (const [id, batch] of this.open) {
      if (now - batch.openedAt >= this.limits.maxAgeMs) expired.push(this.close(id, batch));
    }
    return expired;
  }

  /**
   * Closes and returns the batch holding the most messages (or, `by: "bytes"`, the most bytes) to
   * free memory, if any is open.
   */
  takeLargest(by: "messages" | "bytes" = "messages"): Batch | undefined {
    const size = (b: Batch) => (by === "bytes" ? b.bytes : b.messages.length);
    let largest: [string, Batch] | undefined;
    for (const entry of this.open) {
      if (!largest || size(entry[1]) > size(largest[1])) largest = entry;
    }
    return largest ? this.close(largest[0], largest[1]) : undefined;
  }

  /** Closes and returns every open batch. */
  takeAll(): Batch[] {
    return [...this.open].map(([id, batch]) => this.close(id, batch));
  }

  /** When the oldest open batch expires (epoch ms), if any is open. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const batch of this.open.values()) {
      const at = batch.openedAt + this.limits.maxAgeMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  private close(id: string, batch: Batch): Batch {
    this.open.delete(id);
    this.held -= batch.messages.length;
    this.heldLineBytes -= batch.bytes;
    return batch;
  }
}

/**
 * Request ids this process has stored, most recent first out of the window: a redelivered or
 * re-sent event whose record is already in the bucket is not written again. Bounded, so memory stays
 * flat; an id older than the window is written again, which at-least-once delivery allows.
 * Hand-written: a Set in insertion order is all of it (lru-cache's TTL and sizing go unused).
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity === 0) return;
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
