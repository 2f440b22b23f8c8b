/**
 * Graceful shutdown: SIGTERM (Kubernetes) and SIGINT (a terminal) abort one AbortSignal that every
 * loop and long-poll in a command watches, so the command stops receiving, finishes or releases its
 * in-flight work, and exits 0.
 */
import type { Logger } from "pino";

/** A shutdown trigger; `dispose()` removes the signal handlers (tests, and commands that end). */
export interface Shutdown {
  /** Aborted on the first SIGTERM/SIGINT (or {@link Shutdown.trigger}); `reason` names the signal. */
  readonly signal: AbortSignal;
  /** Aborts as if a signal had arrived (tests; a command that decides to stop). */
  trigger(reason: string): void;
  dispose(): void;
}

/** The signals that mean "stop": Kubernetes sends SIGTERM, a terminal sends SIGINT. */
export const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Installs handlers for {@link SHUTDOWN_SIGNALS} on `proc`. The first signal aborts the returned
 * signal; a second one is logged and otherwise ignored, so the command still releases its work.
 */
export function installShutdown(
  logger: Logger,
  proc: Pick<NodeJS.Process, "on" | "off"> = process,
): Shutdown {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn({ signal }, "shutdown already in progress");
      return;
    }
    logger.info({ signal }, "shutdown requested");
    controller.abort(signal);
  };
  for (const s of SHUTDOWN_SIGNALS) proc.on(s, handler);
  return {
    signal: controller.signal,
    trigger(reason) {
      if (!controller.signal.aborted) controller.abort(reason);
    },
    dispose() {
      for (const s of SHUTDOWN_SIGNALS) proc.off(s, handler);
    },
  };
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
