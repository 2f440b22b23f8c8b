/**
 * The smoke test's verdicts: whether what a step reads from the stack is complete and right. The
 * keys come from the processor's own key functions (an object key is built with a fresh batch id
 * and cut at its last `/`), so the smoke looks exactly where the consumer writes. Pure.
 */
import { RESULT_FILES } from "@pipeline/processor/contract";
import { lineRequestIds } from "../../local/event-tally";
import { eventDate } from "../../processor/src/events/event";
import type { GeneratedEvent } from "../../processor/src/events/generator";
import { eventsKey, newBatchId, quarantineKey } from "../../processor/src/events/keys";
import type { PlannedUpload } from "./plan";
import type { UploadResults } from "./probe";

/** Where a step stands after one look. */
export interface StepStatus {
  readonly done: boolean;
  /** Set when the step can never pass (a rejected file, wrong contents). */
  readonly failure?: string;
  /** What has appeared so far, for the progress line. */
  readonly detail: string;
  /** The Step Functions execution the step's records name, once one does (orchestrated only). */
  readonly executionArn?: string;
}

const folderOf = (key: string) => key.slice(0, key.lastIndexOf("/") + 1);

/** The folder of `events/` where the consumer stores `type` events of day `dt`. */
export function eventsFolder(type: GeneratedEvent["eventType"], dt: string): string {
  return folderOf(eventsKey(type, dt, newBatchId()));
}

/** The folder of `quarantine/` for messages sent on day `dt`. */
export function quarantineFolder(dt: string): string {
  return folderOf(quarantineKey(dt, newBatchId()));
}

/** The folder each valid event must be stored in (by its type and the day of its `ts`). */
export function expectedFolders(events: readonly GeneratedEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    if (e.bad) continue;
    const { ts } = JSON.parse(e.body) as { ts: string };
    out.set(e.requestId, eventsFolder(e.eventType, eventDate(ts)));
  }
  return out;
}

/** UTC days from `fromMs` to `toMs` (`YYYY-MM-DD`), for quarantine folders dated by sending day. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days = new Set<string>();
  for (let t = fromMs; t < toMs; t += 86_400_000) days.add(new Date(t).toISOString().slice(0, 10));
  days.add(new Date(toMs).toISOString().slice(0, 10));
  return [...days];
}

/** Folder of every request_id found in `objects` (key → NDJSON text), with repetitions. */
export function idsByFolder(objects: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, text] of objects) {
    for (const id of lineRequestIds(text)) {
      if (id !== undefined) out.set(id, [...(out.get(id) ?? []), folderOf(key)]);
    }
  }
  return out;
}

/** An upload's results: four files, and quality_metrics.json counting the uploaded rows. */
export function outputsStatus(upload: PlannedUpload, found: UploadResults): StepStatus {
  const all = Object.values(RESULT_FILES).length;
  if (found.errorReport !== undefined) {
    return {
      done: false,
      failure: `the job rejected ${upload.key}: ${upload.results.errorReportKey} says ${found.errorReport.slice(0, 300)}`,
      detail: "rejected",
    };
  }
  const detail = `${found.files.length}/${all} files`;
  if (found.files.length < all || found.totalRows === undefined) return { done: false, detail };
  if (found.totalRows !== upload.rows) {
    return {
      done: false,
      failure: `${upload.results.metricsKey} counts total_rows ${found.totalRows}, the upload has ${upload.rows} rows`,
      detail,
    };
  }
  return { done: true, detail: `${detail}, total_rows ${found.totalRows}` };
}

/**
 * The valid events: each sent request_id stored under its own type and day. The invalid one stored
 * as valid fails the step.
 */
export function storedStatus(
  events: readonly GeneratedEvent[],
  stored: ReadonlyMap<string, string>,
): StepStatus {
  const expected = expectedFolders(events);
  const found = idsByFolder(stored);
  const bad = events.find((e) => e.bad);
  if (bad && found.has(bad.requestId)) {
    return {
      done: false,
      failure: `the invalid event ${bad.requestId} was stored under ${found.get(bad.requestId)?.[0]}`,
      detail: "invalid event stored",
    };
  }
  let ok = 0;
  for (const [id, folder] of expected) {
    const folders = found.get(id) ?? [];
    if (folders.includes(folder)) ok++;
    else if (folders.length > 0) {
      return {
        done: false,
        failure: `event ${id} was stored under ${folders[0]}, expected ${folder}`,
        detail: `${ok}/${expected.size} stored`,
      };
    }
  }
  return { done: ok === expected.size, detail: `${ok}/${expected.size} stored` };
}

/** The invalid event: its request_id in a quarantine object. */
export function quarantinedStatus(
  events: readonly GeneratedEvent[],
  quarantined: ReadonlyMap<string, string>,
): StepStatus {
  const bad = events.filter((e) => e.bad);
  const found = idsByFolder(quarantined);
  const ok = bad.filter((e) => found.has(e.requestId)).length;
  return { done: ok === bad.length, detail: `${ok}/${bad.length} quarantined` };
}

/** The request_ids of `events`. */
export function sentIds(events: readonly GeneratedEvent[]): Set<string> {
  return new Set(events.map((e) => e.requestId));
}

/**
 * The event objects the run may delete: only those whose every line is one of the run's own events
 * (a consumer batch may hold other producers' events too; those objects stay).
 */
export function ownObjects(objects: ReadonlyMap<string, string>, ids: ReadonlySet<string>) {
  const own: string[] = [];
  const shared: string[] = [];
  for (const [key, text] of objects) {
    const lines = lineRequestIds(text);
    const mine = lines.filter((id) => id !== undefined && ids.has(id));
    if (mine.length === 0) continue;
    (mine.length === lines.length ? own : shared).push(key);
  }
  return { own, shared };
}
