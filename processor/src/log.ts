/**
 * Structured logs: JSON lines on stdout (pino), one stable `msg` per event and the details as fields,
 * so log queries can match on `msg` without parsing prose.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; defaults to `info`. */
  readonly level?: string;
  /** Static fields on every line, e.g. `{ command: "preprocess" }`. */
  readonly base?: Record<string, unknown>;
  /** Where lines go; defaults to stdout (tests pass a collecting stream). */
  readonly destination?: DestinationStream;
}

/** A JSON-lines logger with ISO timestamps and textual levels (`"level":"info"`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "processor", ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything (default for library calls that were given none). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
