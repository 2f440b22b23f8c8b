/**
 * Command-line options of local mode (`npm start -- [options]`), validated with messages that
 * name the option. Pure.
 */
import { intIn, numberOption, OptionsError } from "./cli-options";
import { parseArgs } from "node:util";

/** What a run does. */
export interface LocalOptions {
  readonly stack: string;
  /** The user's CSV files or folders to upload instead of generated ones (empty: generate). */
  readonly input: readonly string[];
  /** Folder to download every output, error report and event object into after the run. */
  readonly results: string | undefined;
  /** Good CSV files to generate and upload. */
  readonly files: number;
  /** Also upload one file with a wrong header (it must end in an error report). */
  readonly badFile: boolean;
  readonly minRows: number;
  readonly maxRows: number;
  /** Events to produce in total. */
  readonly events: number;
  /** Events per second over all producers (0 = as fast as possible). */
  readonly rate: number;
  /** Share of invalid events; undefined = the stack's workloads.badEventRatio. */
  readonly badRatio: number | undefined;
  /** Factor applied to every interval (polling, cooldown, batch age, visibility, deadlines). */
  readonly timeScale: number;
  /** Seconds before the run gives up; undefined = {@link defaultTimeoutSeconds} of the time scale. */
  readonly timeoutSeconds: number | undefined;
  readonly seed: number;
  /** Where to write the machine-readable summary (JSON). */
  readonly summaryJson: string | undefined;
  /** Where to write the run's HTML report; undefined = report.html in the log directory. */
  readonly report: string | undefined;
  /** Directory for the run's logs; undefined = .local-run/<timestamp>. */
  readonly logDir: string | undefined;
  /** Force plain log lines even on a TTY. */
  readonly plain: boolean;
  /** After the run, keep the emulator stack working until Ctrl-C or SIGTERM (local/serve.ts). */
  readonly serve: boolean;
  /** With `serve`: write the stack's outputs here, as `pulumi stack output --json` prints them. */
  readonly outputsJson: string | undefined;
  /** Write every AWS call the workloads made, as the IAM requests the proof decides, here. */
  readonly recordCalls: string | undefined;
  readonly help: boolean;
}

/** The default time limit: 120 s, or longer when the time scale makes KEDA's intervals longer. */
export function defaultTimeoutSeconds(timeScale: number): number {
  return Math.max(120, 1200 * timeScale);
}

/** The defaults: a run that finishes in well under a minute on two cores. */
export const DEFAULT_OPTIONS: LocalOptions = {
  stack: "dev",
  input: [],
  results: undefined,
  files: 5,
  badFile: true,
  minRows: 200,
  maxRows: 20000,
  events: 2000,
  rate: 200,
  badRatio: undefined,
  timeScale: 0.1,
  timeoutSeconds: undefined,
  seed: 42,
  summaryJson: undefined,
  report: undefined,
  logDir: undefined,
  plain: false,
  serve: false,
  outputsJson: undefined,
  recordCalls: undefined,
  help: false,
};

export const USAGE = `usage: npm start -- [options]

Runs the whole pipeline on this machine against an embedded S3/SQS emulator: uploads CSV files,
starts preprocess jobs and consumers as KEDA would, streams events, and checks that everything is
accounted for. Exit code 0 only when it is.

options:
  --stack NAME          stack file Pulumi.NAME.yaml to take settings and names from (${DEFAULT_OPTIONS.stack})
  --input PATH          upload this CSV file, or a folder's *.csv files, instead of generated ones
                        (repeatable); the accounting expects what the processor makes of each
  --results DIR         after the run, download every output, error report and event object into
                        DIR (empty or absent), laid out by key
  --files N             CSV files to generate (${DEFAULT_OPTIONS.files}), plus one with a wrong header
  --no-bad-file         do not upload the file with a wrong header
  --min-rows N          rows of the smallest file (${DEFAULT_OPTIONS.minRows})
  --max-rows N          rows of the largest file (${DEFAULT_OPTIONS.maxRows})
  --events N            events to produce (${DEFAULT_OPTIONS.events})
  --rate N              events per second, 0 = as fast as possible (${DEFAULT_OPTIONS.rate})
  --bad-ratio X         share of invalid events, 0..1 (the stack's workloads.badEventRatio)
  --time-scale X        factor for every interval, 0 < X <= 1 (${DEFAULT_OPTIONS.timeScale}; 1 = real time)
  --timeout S           give up after S seconds (120, or 1200 × the time scale if more)
  --seed N              seed of the generated files (${DEFAULT_OPTIONS.seed})
  --summary-json FILE   also write the summary as JSON
  --report FILE         write the run's HTML report there: charts over time of the queues, DLQs,
                        pods, events stored per second and files done, the summary and the
                        accounting, in one self-contained page (report.html in the log folder)
  --log-dir DIR         where the processes' logs and the report go (.local-run/<time>)
  --plain               plain log lines even on a terminal
  --serve               after the run, keep the emulator, the scalers and the bucket notification
                        (and the orchestrated workflow) working until Ctrl-C or SIGTERM (SIGUSR2
                        pauses/resumes the consumer)
  --outputs-json FILE   with --serve: write the stack's outputs there, as \`pulumi stack output --json\`
  --record-calls FILE   write every AWS call the workloads made (each with its own access key, through
                        a recording proxy; KEDA's scaler; the state machine's integrations) as the
                        IAM requests \`npm run proof\` decides, per workload
  -h, --help            this text
`;

export { OptionsError };

/** Parses `argv` (the arguments after the script). */
export function parseOptions(argv: readonly string[]): LocalOptions {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        input: { type: "string", multiple: true },
        results: { type: "string" },
        files: { type: "string" },
        "no-bad-file": { type: "boolean" },
        "min-rows": { type: "string" },
        "max-rows": { type: "string" },
        events: { type: "string" },
        rate: { type: "string" },
        "bad-ratio": { type: "string" },
        "time-scale": { type: "string" },
        timeout: { type: "string" },
        seed: { type: "string" },
        "summary-json": { type: "string" },
        report: { type: "string" },
        "log-dir": { type: "string" },
        plain: { type: "boolean" },
        serve: { type: "boolean" },
        "outputs-json": { type: "string" },
        "record-calls": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new OptionsError(err instanceof Error ? err.message : String(err));
  }
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const d = DEFAULT_OPTIONS;
  const stack = str("stack") ?? d.stack;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new OptionsError(`--stack must be a stack name like dev (got ${JSON.stringify(stack)})`);
  }
  const minRows = numberOption(
    "min-rows",
    str("min-rows"),
    d.minRows,
    intIn(1, 1_000_000),
    "an integer 1..1000000",
  );
  const maxRows = numberOption(
    "max-rows",
    str("max-rows"),
    Math.max(d.maxRows, minRows),
    intIn(1, 1_000_000),
    "an integer 1..1000000",
  );
  if (maxRows < minRows) {
    throw new OptionsError(`--max-rows (${maxRows}) must be at least --min-rows (${minRows})`);
  }
  const badRatioRaw = str("bad-ratio");
  const input = Array.isArray(values.input) ? values.input : [];
  if (input.some((p) => p.trim() === "")) throw new OptionsError("--input must name a path");
  const results = str("results");
  if (results?.trim() === "") throw new OptionsError("--results must name a folder");
  const outputsJson = str("outputs-json");
  if (outputsJson !== undefined && (values.serve !== true || outputsJson.trim() === "")) {
    throw new OptionsError("--outputs-json FILE goes with --serve and must name a file");
  }
  const report = str("report");
  if (report?.trim() === "") throw new OptionsError("--report must name a file");
  const recordCalls = str("record-calls");
  if (recordCalls?.trim() === "") throw new OptionsError("--record-calls must name a file");
  return {
    stack,
    input,
    results,
    files: numberOption("files", str("files"), d.files, intIn(0, 500), "an integer 0..500"),
    badFile: values["no-bad-file"] !== true,
    minRows,
    maxRows,
    events: numberOption(
      "events",
      str("events"),
      d.events,
      intIn(0, 10_000_000),
      "an integer 0..10000000",
    ),
    rate: numberOption(
      "rate",
      str("rate"),
      d.rate,
      (n) => n >= 0 && n <= 100_000,
      "a number 0..100000",
    ),
    badRatio:
      badRatioRaw === undefined
        ? undefined
        : numberOption("bad-ratio", badRatioRaw, 0, (n) => n >= 0 && n <= 1, "a number 0..1"),
    timeScale: numberOption(
      "time-scale",
      str("time-scale"),
      d.timeScale,
      (n) => n > 0 && n <= 1,
      "a number in (0, 1]",
    ),
    timeoutSeconds:
      str("timeout") === undefined
        ? undefined
        : numberOption(
            "timeout",
            str("timeout"),
            0,
            (n) => n > 0 && n <= 86400,
            "a number of seconds 1..86400",
          ),
    seed: numberOption(
      "seed",
      str("seed"),
      d.seed,
      intIn(0, 2 ** 31 - 1),
      "a non-negative integer",
    ),
    summaryJson: str("summary-json"),
    report,
    logDir: str("log-dir"),
    plain: values.plain === true,
    serve: values.serve === true,
    outputsJson,
    recordCalls,
    help: values.help === true,
  };
}
