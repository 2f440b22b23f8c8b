/**
 * What a run shows while it works: a compact live block redrawn in place on a terminal, or plain
 * log lines otherwise (CI, pipes). Scaling decisions and finished jobs are printed as lines above
 * the live block. Rendering is pure; {@link LiveView} only writes.
 */
import type { Writable } from "node:stream";
import type { QueueDepth } from "../k8s/scaling";
import { RecentDepths, type TrendQueue } from "./sparkline";

/** One picture of the run. */
export interface Snapshot {
  readonly elapsedMs: number;
  readonly phase: string;
  readonly preprocessQueue: QueueDepth;
  readonly preprocessDlq: number;
  readonly eventsQueue: QueueDepth;
  readonly eventsDlq: number;
  readonly jobs: {
    readonly running: number;
    readonly max: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly strategy: string;
  };
  readonly consumers: {
    readonly replicas: number;
    readonly max: number;
    readonly terminating: number;
  };
  readonly files: {
    readonly uploaded: number;
    readonly total: number;
    readonly outputs: number;
    readonly errors: number;
  };
  readonly events: {
    readonly target: number;
    readonly produced: number | undefined;
    readonly stored: number;
    readonly quarantined: number;
  };
  /** The orchestrated variant's line (executions in flight and their states), when it runs. */
  readonly workflow?: string;
}

const n = (v: number) => v.toLocaleString("en-US");
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** A bar of `width` cells for done/total. */
export function bar(done: number, total: number, width = 20): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(ratio * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

/** A main queue's depth: its visible and in-flight messages. */
export const depthOf = (d: QueueDepth): number => d.visible + d.inFlight;

/**
 * The live block (a few lines) for a terminal; with `trends`, each main queue's line is followed
 * by its depth over the last minute ({@link RecentDepths.lines}).
 */
export function renderLive(s: Snapshot, trends?: Readonly<Record<TrendQueue, string>>): string[] {
  const q = (d: QueueDepth) => `${n(d.visible)} visible, ${n(d.inFlight)} in flight`;
  const doneFiles = s.files.outputs + s.files.errors;
  const accounted = s.events.stored + s.events.quarantined;
  const produced = s.events.produced === undefined ? "" : `${n(s.events.produced)} produced, `;
  const trend = (queue: TrendQueue) =>
    trends === undefined ? [] : [`    depth, last minute  ${trends[queue]}`];
  return [
    `local mode  ${secs(s.elapsedMs)}  ${s.phase}`,
    `  preprocess queue  ${q(s.preprocessQueue)}, DLQ ${s.preprocessDlq}  | jobs ${s.jobs.running}/${s.jobs.max} running, ${s.jobs.succeeded} done, ${s.jobs.failed} failed (${s.jobs.strategy})`,
    ...trend("preprocess"),
    `  events queue      ${q(s.eventsQueue)}, DLQ ${s.eventsDlq}  | consumers ${s.consumers.replicas}/${s.consumers.max}${s.consumers.terminating ? ` (+${s.consumers.terminating} stopping)` : ""}`,
    ...trend("events"),
    `  files   ${bar(doneFiles, s.files.total)} ${doneFiles}/${s.files.total} (${s.files.uploaded} uploaded, ${s.files.outputs} with outputs, ${s.files.errors} error report(s))`,
    `  events  ${bar(accounted, s.events.target)} ${n(accounted)}/${n(s.events.target)} (${produced}${n(s.events.stored)} stored, ${n(s.events.quarantined)} quarantined)`,
    ...(s.workflow === undefined ? [] : [s.workflow]),
  ];
}

/** One plain line for logs. */
export function renderPlain(s: Snapshot): string {
  const q = (d: QueueDepth) => `${d.visible}+${d.inFlight}`;
  return [
    `[${secs(s.elapsedMs)}] ${s.phase}`,
    `files ${s.files.outputs + s.files.errors}/${s.files.total}`,
    `events ${s.events.stored}+${s.events.quarantined}/${s.events.target}`,
    `preprocess q ${q(s.preprocessQueue)} jobs ${s.jobs.running}`,
    `events q ${q(s.eventsQueue)} consumers ${s.consumers.replicas}`,
    `DLQs ${s.preprocessDlq}/${s.eventsDlq}`,
    ...(s.workflow === undefined ? [] : [s.workflow.trim()]),
  ].join(" | ");
}

/** The fields of a snapshot whose change is worth a plain line. */
function signature(s: Snapshot): string {
  return JSON.stringify([
    s.phase,
    s.files,
    s.events,
    s.jobs,
    s.consumers,
    s.preprocessDlq,
    s.eventsDlq,
    s.workflow,
  ]);
}

/** Writes the view: in place on a TTY, as lines (on change, at most every `plainEveryMs`) otherwise. */
export class LiveView {
  private drawn = 0;
  private lastSignature = "";
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private readonly recent = new RecentDepths();

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    private readonly plainEveryMs = 2000,
  ) {}

  /** Prints a line above the live block (or as a plain line). */
  note(elapsedMs: number, text: string): void {
    this.clear();
    this.out.write(`[${secs(elapsedMs)}] ${text}\n`);
  }

  /** Shows `s`. */
  update(s: Snapshot): void {
    if (this.tty) {
      this.recent.add(s.elapsedMs, {
        preprocess: depthOf(s.preprocessQueue),
        events: depthOf(s.eventsQueue),
      });
      const lines = renderLive(s, this.recent.lines(s.elapsedMs));
      this.clear();
      this.out.write(`${lines.join("\n")}\n`);
      this.drawn = lines.length;
      return;
    }
    const sig = signature(s);
    if (sig === this.lastSignature || s.elapsedMs - this.lastPlainAt < this.plainEveryMs) return;
    this.lastSignature = sig;
    this.lastPlainAt = s.elapsedMs;
    this.out.write(`${renderPlain(s)}\n`);
  }

  /** Removes the live block (before the summary). */
  clear(): void {
    if (this.tty && this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
}
