/**
 * Command-line options of the smoke test (`npm run smoke -- [options]`), validated with messages
 * that name the option. Pure.
 */
import { intIn, numberOption, OptionsError } from "../../local/cli-options";
import { parseArgs } from "node:util";

/** What one smoke run does. */
export interface SmokeOptions {
  /** The stack as given (`dev`, or `org/event-pipeline/dev`); undefined with `--outputs` alone. */
  readonly stack: string | undefined;
  /** A saved `pulumi stack output --json --show-secrets`; undefined = ask the Pulumi CLI. */
  readonly outputs: string | undefined;
  /** Leave what the run uploaded in the buckets. */
  readonly keep: boolean;
  /** Events to send, one of them invalid. */
  readonly events: number;
  /** Data rows of the uploaded CSV file. */
  readonly rows: number;
  /** Factor for every derived timeout (a local-mode stack run with `--time-scale`). */
  readonly timeScale: number;
  /** Plain log lines even on a terminal. */
  readonly plain: boolean;
  readonly help: boolean;
}

/** The settings file a run reads when only `--outputs` is given. */
export const DEFAULT_SETTINGS_STACK = "dev";

export const USAGE = `usage: npm run smoke -- --stack NAME [options]
       npm run smoke -- --outputs FILE [--stack NAME] [options]

Checks a deployed stack end to end: uploads one small CSV file under input/ (and under the
orchestrated prefix when that variant is on), sends store events (one of them invalid), waits until
the four outputs, the stored events and the quarantined one appear (and for the orchestrated
variant the upload's results table item and its notification, through a queue of its own
subscribed to the topic for the run), checks their contents, prints each step's latency and removes
what it created. Exit code 0 when everything appeared, 1 when
something did not (with where it should be and where to look next), 2 for bad options or outputs,
130 when interrupted (Ctrl-C or SIGTERM: it still removes what it created so far).

options:
  --stack NAME        the stack: outputs from \`pulumi stack output --json --show-secrets --stack NAME\`,
                      settings from Pulumi.<last part of NAME>.yaml (a fully qualified
                      org/event-pipeline/NAME works)
  --outputs FILE      the same JSON, saved; settings from Pulumi.<--stack>.yaml (${DEFAULT_SETTINGS_STACK} without --stack)
  --events N          events to send, one of them invalid (20; 2..500)
  --rows N            data rows of the uploaded CSV file (50; 1..100000)
  --time-scale X      multiply every derived timeout, 0 < X <= 1 (1; for local mode's --time-scale)
  --keep              leave the uploaded file, its results, the stored events, the item and the
                      notification queue with its subscription in place
  --plain             plain log lines even on a terminal
  -h, --help          this text

Credentials and endpoint: the AWS SDK's default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...);
AWS_ENDPOINT_URL points it at an emulator such as local mode's; AWS_ENDPOINT_URL_<SERVICE> (S3, SQS,
SNS, DYNAMODB) overrides it for one service.
`;

/** A Pulumi stack name, optionally qualified by organization and project. */
const STACK_PATTERN = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

/** Parses `argv` (the arguments after the script). */
export function parseSmokeOptions(argv: readonly string[]): SmokeOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        outputs: { type: "string" },
        events: { type: "string" },
        rows: { type: "string" },
        "time-scale": { type: "string" },
        keep: { type: "boolean" },
        plain: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new OptionsError(err instanceof Error ? err.message : String(err));
  }
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const help = values.help === true;
  const stack = str("stack");
  const outputs = str("outputs");
  if (!help && stack === undefined && outputs === undefined) {
    throw new OptionsError("give --stack NAME (asks the Pulumi CLI) or --outputs FILE");
  }
  if (stack !== undefined && !STACK_PATTERN.test(stack)) {
    throw new OptionsError(
      `--stack must be a stack name like dev or org/event-pipeline/dev (got ${JSON.stringify(stack)})`,
    );
  }
  if (outputs?.trim() === "") throw new OptionsError("--outputs must name a file");
  return {
    stack,
    outputs,
    keep: values.keep === true,
    events: numberOption("events", str("events"), 20, intIn(2, 500), "an integer 2..500"),
    rows: numberOption("rows", str("rows"), 50, intIn(1, 100_000), "an integer 1..100000"),
    timeScale: numberOption(
      "time-scale",
      str("time-scale"),
      1,
      (n) => n > 0 && n <= 1,
      "a number in (0, 1]",
    ),
    plain: values.plain === true,
    help,
  };
}

/** The stack whose `Pulumi.<name>.yaml` holds the settings: the last part of `--stack`. */
export function settingsStackOf(options: Pick<SmokeOptions, "stack">): string {
  return options.stack?.split("/").pop() ?? DEFAULT_SETTINGS_STACK;
}
