/**
 * Timers of a run's background loops (the scaler, the live view, the drain wait): a loop whose
 * failed tick is reported instead of ending the run, and a pause that an abort cuts short.
 */

/**
 * Runs `fn` now and then `ms` after each run finishes, until `stop()`. A run that throws is passed
 * to `onError` and the loop goes on (an unhandled rejection would end local mode mid-run).
 */
export function every(
  ms: number,
  fn: () => Promise<void>,
  onError: (err: unknown) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = fn()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, ms);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Reports a failed tick of a loop in the view's log. */
export function loopError(note: (text: string) => void, loop: string): (err: unknown) => void {
  return (err) => note(`${loop}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Resolves after `ms` or when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
