/**
 * What drives a run's work: the producer Deployment's pods sending events, and the uploads of the
 * CSV files, each followed by the S3 event its bucket notification sends. Both run in the
 * background; the run polls their {@link Tracker}s.
 */
import type { CommandEnvVars } from "@pipeline/processor/contract";
import { sequencerSource, uploadAndNotify, type NotifierTarget, type Upload } from "./notifier";
import type { LocalOptions } from "./options";
import type { SeedFile } from "./seed";
import type { LocalWorkloadSpecs } from "./specs";
import type { PodSupervisor } from "./pod-supervisor";

/** Something running in the background that the run waits for. */
export interface Tracker {
  readonly finished: boolean;
  /** Why it went wrong, if it did. */
  readonly failure: string | undefined;
}

/** A producer's own count of what it sent (its "producer stopped" log line). */
export interface ProducerReport {
  readonly sent: number;
  readonly bad: number;
}

/** The running producers: their tracker, how many there are, and their reports as they stop. */
export interface Producers extends Tracker {
  readonly count: number;
  /** Filled by the processes log (see {@link producerReportOf}) as each producer stops. */
  readonly reports: readonly ProducerReport[];
}

/** The running uploads: their tracker and the keys uploaded so far, in order. */
export interface Uploads extends Tracker {
  readonly uploaded: readonly string[];
  /** When each key's upload and S3 event were done (ms). */
  readonly uploadedAt: ReadonlyMap<string, number>;
}

/** Splits `total` events over `producers` producers (the first ones take the remainder). */
export function splitEvents(total: number, producers: number): number[] {
  if (producers <= 0 || total <= 0) return [];
  const base = Math.floor(total / producers);
  return Array.from({ length: producers }, (_, i) => base + (i < total % producers ? 1 : 0)).filter(
    (count) => count > 0,
  );
}

/** A producer's report in one of its log records, if the record is its "producer stopped" line. */
export function producerReportOf(
  record: Readonly<Record<string, unknown>>,
): ProducerReport | undefined {
  if (record.msg !== "producer stopped" || typeof record.sent !== "number") return undefined;
  return { sent: record.sent, bad: typeof record.bad === "number" ? record.bad : 0 };
}

/** Sums the producers' reports. */
export function producedTotals(reports: readonly ProducerReport[]): { sent: number; bad: number } {
  return {
    sent: reports.reduce((s, r) => s + r.sent, 0),
    bad: reports.reduce((s, r) => s + r.bad, 0),
  };
}

/**
 * Starts the producer Deployment's pods with their spec's environment and this run's count, rate
 * and share of invalid events. `reports` is the list the processes log fills.
 */
export function startProducers(
  pods: PodSupervisor,
  specs: LocalWorkloadSpecs,
  stackBadRatio: number,
  options: Pick<LocalOptions, "events" | "rate" | "badRatio">,
  reports: readonly ProducerReport[],
  note: (text: string) => void,
): Producers {
  const counts = splitEvents(options.events, Math.max(1, specs.producerReplicas));
  const badRatio = options.badRatio ?? stackBadRatio;
  const state = { finished: counts.length === 0, failure: undefined as string | undefined };
  void pods
    .startProducers(
      counts.map((total) => ({
        ...specs.env.producer,
        ...({
          EVENTS_TOTAL: String(total),
          EVENTS_PER_SECOND: String(options.rate / counts.length),
          BAD_EVENT_RATIO: String(badRatio),
        } satisfies CommandEnvVars<"produce">),
      })),
    )
    .then((exits) => {
      state.finished = true;
      const bad = exits.find((e) => e.code !== 0);
      if (bad) state.failure = `a producer exited with code ${bad.code ?? bad.signal}`;
    });
  if (counts.length > 0) {
    note(
      `${counts.length} producer(s): ${options.events} events at ${options.rate}/s, ` +
        `${badRatio * 100}% invalid`,
    );
  }
  return {
    count: counts.length,
    reports,
    get finished() {
      return state.finished;
    },
    get failure() {
      return state.failure;
    },
  };
}

/**
 * Uploads `files` one after the other, each followed by the S3 event its notification sends;
 * `onUploaded` sees each upload (the orchestrated variant's bucket also notifies EventBridge).
 */
export function startUploads(
  files: readonly SeedFile[],
  target: NotifierTarget,
  note: (text: string) => void,
  onUploaded?: (upload: Upload) => void,
): Uploads {
  const uploaded: string[] = [];
  const uploadedAt = new Map<string, number>();
  const state = { finished: false, failure: undefined as string | undefined };
  const nextSequencer = sequencerSource();
  (async () => {
    for (const file of files) {
      const upload = await uploadAndNotify(target, file.key, file.body, nextSequencer);
      uploaded.push(file.key);
      onUploaded?.(upload);
      uploadedAt.set(file.key, Date.now());
    }
  })().then(
    () => {
      state.finished = true;
      if (files.length > 0) {
        note(`uploaded ${files.length} file(s) to ${target.bucket}/input/, one S3 event each`);
      }
    },
    (err: unknown) => {
      state.finished = true;
      state.failure = `upload failed: ${err instanceof Error ? err.message : String(err)}`;
    },
  );
  return {
    uploaded,
    uploadedAt,
    get finished() {
      return state.finished;
    },
    get failure() {
      return state.failure;
    },
  };
}
