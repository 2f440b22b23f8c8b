/**
 * The run over time, for its report: one {@link RunSample} per live-view tick, taken from the same
 * {@link Snapshot} the view draws, kept in a {@link SampleLog} whose size is bounded however long
 * the run lasts (it halves its resolution when full).
 */
import type { Snapshot } from "./view";

/** The numbers of one moment of the run that the report charts. */
export interface RunSample {
  /** Seconds since the run started. */
  readonly t: number;
  readonly preprocessVisible: number;
  readonly preprocessInFlight: number;
  readonly preprocessDlq: number;
  readonly eventsVisible: number;
  readonly eventsInFlight: number;
  readonly eventsDlq: number;
  readonly consumers: number;
  readonly jobs: number;
  /** Events stored so far (cumulative). */
  readonly stored: number;
  /** Events quarantined so far (cumulative). */
  readonly quarantined: number;
  readonly filesUploaded: number;
  /** Files with their outputs or their error report (cumulative). */
  readonly filesDone: number;
}

/** The sample of `s`. */
export function sampleOf(s: Snapshot): RunSample {
  return {
    t: s.elapsedMs / 1000,
    preprocessVisible: s.preprocessQueue.visible,
    preprocessInFlight: s.preprocessQueue.inFlight,
    preprocessDlq: s.preprocessDlq,
    eventsVisible: s.eventsQueue.visible,
    eventsInFlight: s.eventsQueue.inFlight,
    eventsDlq: s.eventsDlq,
    consumers: s.consumers.replicas,
    jobs: s.jobs.running,
    stored: s.events.stored,
    quarantined: s.events.quarantined,
    filesUploaded: s.files.uploaded,
    filesDone: s.files.outputs + s.files.errors,
  };
}

/**
 * One sample standing for `a` then `b`: each field's larger value. That keeps a gauge's peak (a
 * queue's depth, the replicas) and a counter's later value (counters only grow), and the later time.
 */
export function mergeSamples(a: RunSample, b: RunSample): RunSample {
  const out: Record<string, number> = {};
  for (const key of Object.keys(a) as (keyof RunSample)[]) out[key] = Math.max(a[key], b[key]);
  return out as unknown as RunSample;
}

/** `samples` at half the resolution: each pair merged ({@link mergeSamples}); an odd last one kept. */
export function halve(samples: readonly RunSample[]): RunSample[] {
  const out: RunSample[] = [];
  for (let i = 0; i < samples.length; i += 2) {
    const a = samples[i] as RunSample;
    const b = samples[i + 1];
    out.push(b === undefined ? a : mergeSamples(a, b));
  }
  return out;
}

/** The default bound: a few minutes at the live view's tick before the first halving. */
export const SAMPLE_CAPACITY = 1000;

/**
 * The run's samples, at most `capacity` of them: when full, it halves what it holds and from then
 * on merges twice as many ticks into each new sample, so the series stay evenly spaced.
 */
export class SampleLog {
  private samples: RunSample[] = [];
  private pending: RunSample | undefined;
  private pendingTicks = 0;
  private ticksPerSample = 1;

  constructor(private readonly capacity = SAMPLE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new Error(`SampleLog capacity must be an integer of at least 2 (got ${capacity})`);
    }
  }

  /** Takes one tick's sample. */
  add(sample: RunSample): void {
    this.pending = this.pending === undefined ? sample : mergeSamples(this.pending, sample);
    this.pendingTicks++;
    if (this.pendingTicks < this.ticksPerSample) return;
    this.samples.push(this.pending);
    this.pending = undefined;
    this.pendingTicks = 0;
    if (this.samples.length >= this.capacity) {
      this.samples = halve(this.samples);
      this.ticksPerSample *= 2;
    }
  }

  /** Every sample so far, oldest first (a partly merged last one included). */
  all(): RunSample[] {
    return this.pending === undefined ? [...this.samples] : [...this.samples, this.pending];
  }
}
