/** Store events on the events queue: the two types and the message attribute that carries them. */

/** The values of the `event_type` message attribute. */
export const EVENT_TYPES = ["sale_event", "inventory_event"] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The message attribute that names the event type (also the partition name under `events/`). */
export const EVENT_TYPE_ATTRIBUTE = "event_type";
