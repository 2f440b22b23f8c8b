/**
 * Classification of one received message: the validated event and its partition (event type and
 * day) for `events/`, or, for `quarantine/`, the raw body with the reason. Pure.
 */
import type { Message } from "@aws-sdk/client-sqs";
import type { Partition } from "./batcher";
import { EVENT_TYPE_ATTRIBUTE, validateEventMessage } from "./event";

/** The partition of a record's object and its NDJSON line, for one received message. */
export interface Classified {
  readonly partition: Partition;
  readonly line: string;
  readonly requestId?: string;
  readonly valid: boolean;
}

/**
 * Validates one SQS message and builds its record: the validated event for `events/`, or, for
 * `quarantine/`, the raw body with the reason (dated by when the message was sent).
 */
export function classifyMessage(message: Message, receivedAt: number): Classified {
  const eventType = message.MessageAttributes?.[EVENT_TYPE_ATTRIBUTE]?.StringValue;
  const body = message.Body ?? "";
  const result = validateEventMessage({ body, eventType });
  if (result.ok) {
    return {
      partition: { kind: "events", eventType: result.eventType, dt: result.dt },
      line: JSON.stringify(result.event),
      requestId: result.event.request_id,
      valid: true,
    };
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const at = new Date(Number.isFinite(sent) && sent > 0 ? sent : receivedAt);
  const record = {
    message_id: message.MessageId,
    request_id: requestIdOf(body),
    event_type: eventType,
    reason: result.reason,
    sent_at: at.toISOString(),
    body,
  };
  return {
    partition: { kind: "quarantine", dt: at.toISOString().slice(0, 10) },
    line: JSON.stringify(record),
    valid: false,
  };
}

/** The `request_id` of a body, when it is JSON with a string one (kept on quarantined records). */
function requestIdOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "request_id" in parsed) {
      const id = (parsed as { request_id: unknown }).request_id;
      if (typeof id === "string") return id.slice(0, 128);
    }
  } catch {
    // not JSON: the reason already says so
  }
  return undefined;
}
