/**
 * The events bucket's contents as the accounting counts them: the request_id of every NDJSON line
 * stored under `events/` or quarantined under `quarantine/`, wherever the record keeps it. Pure.
 */
import { EVENT_TYPE_ATTRIBUTE, KEYS } from "@pipeline/processor/contract";

/** What the events bucket holds. */
export interface StoredEvents {
  /** request_ids of every line under events/ (with repetitions). */
  readonly storedIds: readonly string[];
  /** request_ids of every line under quarantine/ that carries one. */
  readonly quarantinedIds: readonly string[];
  /** Quarantined lines without a readable request_id (a body that was not JSON, for example). */
  readonly quarantinedWithoutId: number;
  /** Lines per `event_type=` partition. */
  readonly byType: Readonly<Record<string, number>>;
  readonly objects: number;
}

/** The request_id of a stored or quarantined NDJSON line, wherever the record keeps it. */
export function requestIdOf(record: unknown): string | undefined {
  if (record === null || typeof record !== "object") return undefined;
  const r = record as Record<string, unknown>;
  if (typeof r.request_id === "string") return r.request_id;
  for (const field of ["event", "record", "original", "payload"]) {
    const inner = requestIdOf(r[field]);
    if (inner !== undefined) return inner;
  }
  for (const field of ["body", "raw"]) {
    const text = r[field];
    if (typeof text === "string") {
      try {
        const inner = requestIdOf(JSON.parse(text));
        if (inner !== undefined) return inner;
      } catch {
        // not JSON: the record has no readable request_id
      }
    }
  }
  return undefined;
}

/** The request_id of every non-blank NDJSON line of `text` (undefined for a line without one). */
export function lineRequestIds(text: string): (string | undefined)[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return requestIdOf(JSON.parse(line));
      } catch {
        return undefined;
      }
    });
}

/** Tallies NDJSON objects of the events bucket (`key` → text) into {@link StoredEvents}. */
export function tallyEvents(objects: ReadonlyMap<string, string>): StoredEvents {
  const storedIds: string[] = [];
  const quarantinedIds: string[] = [];
  let quarantinedWithoutId = 0;
  const byType: Record<string, number> = {};
  for (const [key, text] of objects) {
    const isEvents = key.startsWith(KEYS.eventsPrefix);
    const isQuarantine = key.startsWith(KEYS.quarantinePrefix);
    if (!isEvents && !isQuarantine) continue;
    const type = new RegExp(`${EVENT_TYPE_ATTRIBUTE}=([^/]+)/`).exec(key)?.[1] ?? "unknown";
    for (const id of lineRequestIds(text)) {
      if (isEvents) {
        byType[type] = (byType[type] ?? 0) + 1;
        // A stored event without a request_id breaks the contract; count it under a marker.
        storedIds.push(id ?? `<line without request_id in ${key}>`);
      } else if (id !== undefined) {
        quarantinedIds.push(id);
      } else {
        quarantinedWithoutId++;
      }
    }
  }
  return { storedIds, quarantinedIds, quarantinedWithoutId, byType, objects: objects.size };
}
