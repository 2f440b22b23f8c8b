/**
 * The store event contract (docs/DESIGN.md, Data flows 2): the fields a store sends, the two event types carried
 * in the `event_type` message attribute, and the validation every received message goes through.
 * Pure: no clients, no clock.
 */

import { z } from "zod";
import { EVENT_TYPE_ATTRIBUTE, EVENT_TYPES, type EventType } from "../contract";

export { EVENT_TYPE_ATTRIBUTE, EVENT_TYPES, type EventType } from "../contract";

/**
 * One store event. Unknown fields (the seed's `contact_me`, for example) are dropped so the stored
 * records keep one stable shape for analytics; `ts` without an offset is read as UTC.
 */
export const storeEventSchema = z.object({
  request_id: z.uuid(),
  store_id: z.number().int().positive(),
  cust_id: z.number().int().positive(),
  category: z.string().trim().min(1).max(64),
  sku: z.number().int().positive(),
  price: z.number().nonnegative().max(1_000_000),
  qty: z.number().int().positive().max(100_000),
  /** Percent off the price. */
  discount: z.number().min(0).max(100),
  gift_wrap: z.boolean(),
  variant: z.string().trim().min(1).max(64),
  priority_shipping: z.boolean(),
  ts: z.iso.datetime({ offset: true, local: true }),
  is_return: z.boolean().optional(),
});

export type StoreEvent = z.infer<typeof storeEventSchema>;

/** A message as the consumer sees it: the raw body and the `event_type` attribute, if any. */
export interface EventMessage {
  readonly body: string;
  readonly eventType: string | undefined;
}

/** The outcome of {@link validateEventMessage}. */
export type ValidationResult =
  | {
      readonly ok: true;
      readonly event: StoreEvent;
      readonly eventType: EventType;
      readonly dt: string;
    }
  | { readonly ok: false; readonly reason: string };

/** `YYYY-MM-DD` (UTC) of an ISO timestamp; a timestamp without an offset is taken as UTC. */
export function eventDate(ts: string): string {
  // UTC or no offset (the common case): the day is the first ten characters.
  if (/^\d{4}-\d{2}-\d{2}T[^+-]*(?:Z|z)?$/.test(ts)) return ts.slice(0, 10);
  const hasOffset = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(ts);
  const millis = Date.parse(hasOffset ? ts : `${ts}Z`);
  if (Number.isNaN(millis)) throw new RangeError(`not a timestamp: ${ts}`);
  return new Date(millis).toISOString().slice(0, 10);
}

/** Whether `value` is one of {@link EVENT_TYPES}. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Validates one message: a known `event_type` attribute and a body that is a JSON object satisfying
 * {@link storeEventSchema}. The reason of a rejection names the attribute or the fields at fault, so
 * a quarantined record explains itself.
 */
export function validateEventMessage(message: EventMessage): ValidationResult {
  if (message.eventType === undefined) {
    return { ok: false, reason: `missing message attribute ${EVENT_TYPE_ATTRIBUTE}` };
  }
  if (!isEventType(message.eventType)) {
    return {
      ok: false,
      reason: `unknown ${EVENT_TYPE_ATTRIBUTE} ${JSON.stringify(message.eventType.slice(0, 64))}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.body);
  } catch {
    return { ok: false, reason: "body is not JSON" };
  }
  const result = storeEventSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join(".") : "body";
      return `${field}: ${issue.message}`;
    });
    return { ok: false, reason: problems.join("; ") };
  }
  return {
    ok: true,
    event: result.data,
    eventType: message.eventType,
    dt: eventDate(result.data.ts),
  };
}
