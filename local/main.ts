/**
 * `npm start` — local mode: the whole pipeline on this machine, no AWS account needed.
 * Exit codes: 0 everything accounted for; 1 the accounting failed; 2 bad options or settings;
 * 128 + signal number when stopped by Ctrl-C / SIGTERM (after stopping every child).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { OptionsError, parseOptions, USAGE } from "./options";
import { killAllChildren } from "./processes";
import { runLocal } from "./run";
import { renderSummary } from "./summary";

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Runs local mode with `argv` (the arguments after the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    process.stderr.write(`local mode: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    // The embedded emulator needs node:sqlite (Node 22.5+); the project targets Node 24.
    process.stderr.write(
      `local mode: Node ${process.versions.node} is too old; use Node 22.5 or newer (24 LTS),\n` +
        `e.g. \`source .ci/node.sh\`, which fetches Node 24 from the npm registry.\n`,
    );
    return 2;
  }

  const stop = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  let signalledAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches every process of the group, and wrappers (npm, tsx) relay it
    // once more: a repeat within a second is the same Ctrl-C.
    if (signalled && Date.now() - signalledAt < 1000) return;
    if (signalled) {
      // A second Ctrl-C: do not wait for the children's grace period any longer.
      process.stderr.write(`\nlocal mode: ${signal} again, killing every child now\n`);
      killAllChildren();
      process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 1));
    }
    signalled = signal;
    signalledAt = Date.now();
    process.stderr.write(`\nlocal mode: ${signal}, stopping every child (Ctrl-C again to kill)\n`);
    stop.abort(`interrupted by ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Whatever happens, no child outlives local mode.
  process.on("exit", killAllChildren);

  const root = path.resolve(__dirname, "..");
  try {
    const summary = await runLocal(options, {
      out: process.stdout,
      tty: process.stdout.isTTY === true && !options.plain,
      root,
      signal: stop.signal,
    });
    // --serve printed the summary before serving; stopping it by a signal is its normal end.
    const served = options.serve && summary.aborted === undefined;
    if (!served) process.stdout.write(`\n${renderSummary(summary)}`);
    if (options.summaryJson) {
      writeFileSync(options.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
    }
    if (signalled && !served) return 128 + (SIGNAL_NUMBERS[signalled] ?? 1);
    return summary.ok ? 0 : 1;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`local mode: ${message}\n`);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
