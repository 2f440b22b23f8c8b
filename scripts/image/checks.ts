/**
 * The verdicts of the image test: what each command must have done, judged from what the emulator
 * holds afterwards and what the container printed. Pure.
 */
import { OUTPUT_FILES } from "../../local/accounting";
import type { StoredEvents } from "../../local/event-tally";

/** One command's result. */
export interface Verdict {
  readonly command: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The four outputs under `prefix` that `keys` lacks. */
export function missingOutputs(keys: readonly string[], prefix: string): string[] {
  return OUTPUT_FILES.map((f) => `${prefix}${f}`).filter((k) => !keys.includes(k));
}

/** `preprocess` / `preprocess-object`: exit 0 and all four outputs; the message gone if any. */
export function outputsVerdict(
  command: string,
  exitCode: number,
  keys: readonly string[],
  prefix: string,
  queue?: { visible: number; inFlight: number },
): Verdict {
  const missing = missingOutputs(keys, prefix);
  const left = queue ? queue.visible + queue.inFlight : 0;
  const ok = exitCode === 0 && missing.length === 0 && left === 0;
  const detail =
    `exit ${exitCode}; ${OUTPUT_FILES.length - missing.length}/${OUTPUT_FILES.length} outputs ` +
    `under ${prefix}` +
    (missing.length > 0 ? ` (missing ${missing.join(", ")})` : "") +
    (queue ? `; ${left} message(s) left in the queue` : "");
  return { command, ok, detail };
}

/** `produce`: exit 0 and exactly `sent` messages waiting in the events queue. */
export function produceVerdict(exitCode: number, sent: number, visible: number): Verdict {
  return {
    command: "produce",
    ok: exitCode === 0 && visible === sent,
    detail: `exit ${exitCode}; ${visible}/${sent} events in the queue`,
  };
}

/** `consume --until-empty`: exit 0, the queue drained, every event stored or quarantined once. */
export function consumeVerdict(
  exitCode: number,
  sent: number,
  stored: StoredEvents,
  queueLeft: number,
): Verdict {
  const kept = stored.storedIds.length + stored.quarantinedIds.length + stored.quarantinedWithoutId;
  const unique = new Set([...stored.storedIds, ...stored.quarantinedIds]).size;
  const ok =
    exitCode === 0 &&
    queueLeft === 0 &&
    kept === sent &&
    unique === stored.storedIds.length + stored.quarantinedIds.length;
  return {
    command: "consume --until-empty",
    ok,
    detail:
      `exit ${exitCode}; ${stored.storedIds.length} stored + ` +
      `${stored.quarantinedIds.length + stored.quarantinedWithoutId} quarantined of ${sent} ` +
      `in ${stored.objects} object(s); ${queueLeft} left in the queue`,
  };
}

/** The JSON log lines of a command's output (other lines are skipped). */
export function logLines(output: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return lines;
}

/** `preprocess-file`: exit 0 and a "preprocessed" log line with the file's row count. */
export function fileVerdict(exitCode: number, output: string, rows: number): Verdict {
  const done = logLines(output).find((l) => l.msg === "preprocessed");
  return {
    command: "preprocess-file",
    ok: exitCode === 0 && done?.total_rows === rows,
    detail: `exit ${exitCode}; ${done ? `total_rows ${String(done.total_rows)}` : "no result line"}`,
  };
}

/** `--help`: exit 0 and the usage text naming every command the specs run. */
export function helpVerdict(exitCode: number, output: string, commands: readonly string[]) {
  const missing = commands.filter((c) => !output.includes(c));
  return {
    command: "--help",
    ok: exitCode === 0 && output.includes("usage: processor") && missing.length === 0,
    detail: `exit ${exitCode}` + (missing.length > 0 ? `; usage lacks ${missing.join(", ")}` : ""),
  };
}
