/**
 * `npm run smoke` — did my deploy work? Checks a stack end to end from its outputs (README "Smoke
 * test after pulumi up"). Exit codes: 0 every step passed; 1 a step did not (the report says what,
 * where, and where to look next); 2 bad options, settings or outputs; 130 interrupted by Ctrl-C or
 * SIGTERM (after removing what it created).
 */
import path from "node:path";
import { OptionsError } from "../../local/cli-options";
import { parseSmokeOptions, USAGE } from "./options";
import { runSmoke } from "./run";

/** Runs the smoke test with `argv` (the arguments after the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseSmokeOptions(argv);
  } catch (err) {
    if (!(err instanceof OptionsError)) throw err;
    process.stderr.write(`smoke: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await runSmoke(options, {
      out: process.stdout,
      tty: process.stdout.isTTY === true && !options.plain,
      root: path.resolve(__dirname, "..", ".."),
      env: process.env,
      signal: stop.signal,
    });
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
