/**
 * The producer's liveness: it is stuck when no send has succeeded for a while although sends were
 * due. Waiting on its own schedule (a slow rate) is not being stuck, so that time does not count.
 */

/** Progress of one producer, fed by the send loop and read by the liveness probe. */
export class SendProgress {
  private lastOkAt: number;
  private idleUntil = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.lastOkAt = now();
  }

  /** A send succeeded (at least one entry accepted). */
  sent(): void {
    this.lastOkAt = this.now();
  }

  /** The loop waits on its schedule until `until` (epoch ms): not sending is expected till then. */
  idle(until: number): void {
    this.idleUntil = Math.max(this.idleUntil, until);
  }

  /** Milliseconds for which a send was due and none succeeded (0 while waiting on the schedule). */
  stalledMs(): number {
    const t = this.now();
    if (t < this.idleUntil) return 0;
    return Math.max(0, t - Math.max(this.lastOkAt, this.idleUntil));
  }
}

/** The liveness probe's answer for `progress` with the timeout `timeoutSeconds`. */
export function producerLiveness(
  progress: SendProgress,
  timeoutSeconds: number,
): { readonly ok: boolean; readonly reason?: string } {
  return progress.stalledMs() <= timeoutSeconds * 1000
    ? { ok: true }
    : { ok: false, reason: `no event sent in ${timeoutSeconds}s while sends were due` };
}
