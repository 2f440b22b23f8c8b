/**
 * Object keys of the events bucket (contract, docs/DESIGN.md "Object keys") and the batch ids that make every
 * flushed object unique: a redelivered message lands in a new object, never over another one.
 */
import { randomBytes } from "node:crypto";
import { EVENT_TYPE_ATTRIBUTE, KEYS, type EventType } from "../contract";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const BATCH_ID = /^\d{8}T\d{9}Z-[0-9a-f]{16}$/;

/**
 * A batch id that sorts by creation time and cannot collide: `20261123T093000123Z-<16 hex>` (UTC to
 * the millisecond, then 64 random bits).
 */
export function newBatchId(now: Date = new Date(), random: (n: number) => Buffer = randomBytes) {
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${random(8).toString("hex")}`;
}

/** `events/event_type=<type>/dt=<YYYY-MM-DD>/<batch id>.ndjson` */
export function eventsKey(eventType: EventType, dt: string, batchId: string): string {
  assertParts(dt, batchId);
  return `${KEYS.eventsPrefix}${EVENT_TYPE_ATTRIBUTE}=${eventType}/dt=${dt}/${batchId}.ndjson`;
}

/** `quarantine/dt=<YYYY-MM-DD>/<batch id>.ndjson` */
export function quarantineKey(dt: string, batchId: string): string {
  assertParts(dt, batchId);
  return `${KEYS.quarantinePrefix}dt=${dt}/${batchId}.ndjson`;
}

function assertParts(dt: string, batchId: string): void {
  if (!DATE.test(dt)) throw new RangeError(`dt must be YYYY-MM-DD, got ${JSON.stringify(dt)}`);
  if (!BATCH_ID.test(batchId)) throw new RangeError(`not a batch id: ${JSON.stringify(batchId)}`);
}
