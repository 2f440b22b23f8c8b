/**
 * The processor's command line: `processor <command> [args]`. Each command is one entry of
 * {@link COMMANDS}; its module is loaded only when the command runs (the preprocess path loads
 * danfojs-node, which the event commands do not need).
 */
import { applyPreprocessV8Flags } from "./preprocess/v8-flags";

/** What a command returns: the process exit code. */
export type CommandResult = number;

/** One command of the CLI. */
export interface Command {
  /** One line for `processor --help`. */
  readonly summary: string;
  /** Usage after the command name, e.g. `IN.csv OUTDIR`. */
  readonly usage?: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[]): Promise<CommandResult>;
}

/** A preprocess command's `run`: its V8 flags are set before its modules load (v8-flags.ts). */
function preprocessing(load: () => Promise<Command["run"]>): Command["run"] {
  return async (args) => {
    applyPreprocessV8Flags();
    return (await load())(args);
  };
}

/** The registry: add a command with one line here. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  preprocess: {
    summary: "preprocess CSV uploads named by S3 events on PREPROCESS_QUEUE_URL, then exit",
    run: preprocessing(async () => (await import("./preprocess/command")).preprocessCommand),
  },
  "preprocess-file": {
    usage: "IN.csv OUTDIR",
    summary: "preprocess a local CSV file into OUTDIR (same steps, no AWS)",
    run: preprocessing(
      async () => (await import("./preprocess/file-command")).preprocessFileCommand,
    ),
  },
  "preprocess-object": {
    usage: "--bucket B --key K [--prefix P/]",
    summary: "preprocess one S3 object into OUTPUT_BUCKET (the orchestrated path's Job)",
    run: preprocessing(
      async () => (await import("./preprocess/object-command")).preprocessObjectCommand,
    ),
  },
  produce: {
    summary: "send store events to EVENTS_QUEUE_URL (EVENTS_TOTAL at EVENTS_PER_SECOND)",
    run: async (args) => (await import("./events/commands")).produce(args),
  },
  consume: {
    usage: "[--until-empty]",
    summary: "store events from EVENTS_QUEUE_URL as NDJSON in EVENTS_BUCKET",
    run: async (args) => (await import("./events/commands")).consume(args),
  },
};

/** The help text listing every command. */
export function usage(commands: Readonly<Record<string, Command>> = COMMANDS): string {
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${`${name} ${c.usage ?? ""}`.trimEnd().padEnd(36)} ${c.summary}`,
  );
  return `usage: processor <command> [args]\n\ncommands:\n${lines.join("\n")}\n`;
}

/**
 * Runs the command named by `argv[0]` and sets `process.exitCode`. Never rejects: an unexpected
 * error is written to stderr as one JSON line and gives exit code 1; an unknown command gives 2.
 */
export async function main(
  argv: readonly string[],
  commands: Readonly<Record<string, Command>> = COMMANDS,
): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage(commands));
    process.exitCode = name === undefined ? 2 : 0;
    return;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`processor: unknown command ${JSON.stringify(name)}\n${usage(commands)}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await command.run(args);
  } catch (err) {
    const error = err instanceof Error ? { name: err.name, message: err.message } : { value: err };
    process.stderr.write(
      `${JSON.stringify({ level: "fatal", msg: "command failed", command: name, error })}\n`,
    );
    process.exitCode = 1;
  }
}
