/**
 * Object keys of the pipeline (the processor's contract): the prefixes every bucket uses, and the
 * one mapping from an uploaded key to where its results and its error report go, for every path
 * that processes uploads (the KEDA path under `input/`, the orchestrated workflow under its own
 * prefix). Pure; imports nothing.
 */

/** Prefixes and suffixes of the raw, processed and events buckets. */
export const KEYS = {
  /** Uploads under this prefix with an {@link UPLOAD_SUFFIXES} suffix start a preprocess job. */
  inputPrefix: "input/",
  /** The plain upload suffix (`.csv.gz` is the other one, {@link INPUT_FORMATS}). */
  inputSuffix: ".csv",
  /** Results of the KEDA path's `.csv` uploads: `output/<key without input/ and .csv>/`. */
  outputPrefix: "output/",
  /** Error reports of every path: `errors/<input key>.json`. */
  errorsPrefix: "errors/",
  eventsPrefix: "events/",
  quarantinePrefix: "quarantine/",
} as const;

/**
 * The four objects every processed upload gets under its results prefix. `qualityMetrics` is
 * written last (its presence means the others are complete); the workflow reads it.
 */
export const RESULT_FILES = {
  cleaned: "cleaned_data.csv",
  transformed: "transformed_data.csv",
  departmentStatistics: "department_statistics.csv",
  qualityMetrics: "quality_metrics.json",
} as const;

/**
 * A path prefix: one top-level folder of the raw bucket (`input/`, `batch/`). Folder names have no
 * `.` and no `/`, which is what keeps {@link resultsRootFor} injective.
 */
export const PATH_PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]*\/$/;

/**
 * Upload formats by exact (case-sensitive, like S3's notification suffix filter) suffix, with the
 * tag their results root carries. Tags are distinct and empty or start with `.`, so `x.csv` and
 * `x.csv.gz` never share a results prefix. Longest suffix first.
 */
export const INPUT_FORMATS = [
  { suffix: ".csv.gz", tag: ".gz" },
  { suffix: ".csv", tag: "" },
] as const;

/**
 * Every suffix that starts processing: the raw bucket notifies the queue once per suffix, and local
 * mode's notifier matches the same ones. No key ends with two of them (`.csv.gz` does not end with
 * `.csv`), so the notification's filters never overlap.
 */
export const UPLOAD_SUFFIXES: readonly string[] = INPUT_FORMATS.map((f) => f.suffix);

/**
 * Whether `key` is an upload the path `pathPrefix` processes: under the prefix, with one of the
 * {@link UPLOAD_SUFFIXES} (exact and case-sensitive, as S3's notification filter matches).
 */
export function isUploadKey(key: string, pathPrefix: string = KEYS.inputPrefix): boolean {
  return key.startsWith(pathPrefix) && UPLOAD_SUFFIXES.some((suffix) => key.endsWith(suffix));
}

/**
 * What every results root starts with (`output/`, `output-batch/`, `output.gz/`, …): listing this
 * prefix lists the results of every path and format, and nothing else of the processed bucket.
 */
export const RESULTS_ROOT_STEM = KEYS.outputPrefix.slice(0, -1);

/** Root tag of a key in no known format: it is rejected, so nothing is ever written there. */
export const UNSUPPORTED_FORMAT_TAG = ".unsupported";

/** Where one upload's results and its error report go. */
export interface ResultKeys {
  /** Prefix of the results (`output/sales/`); ends with `/`. */
  readonly resultsPrefix: string;
  /** `<resultsPrefix>quality_metrics.json`. */
  readonly metricsKey: string;
  /** `errors/<input key>.json`. */
  readonly errorReportKey: string;
}

/**
 * The results root of a path and a format tag:
 * `output` + (`-<folder>` unless the path is the KEDA path `input/`) + tag + `/`.
 * `input/`+`.csv` → `output/` (the documented contract), `batch/`+`.csv` → `output-batch/`,
 * `input/`+`.csv.gz` → `output.gz/`, `batch/`+`.csv.gz` → `output-batch.gz/`.
 * Injective: the folder has no `.`, so the root splits back into folder and tag at its first `.`.
 */
export function resultsRootFor(pathPrefix: string, tag = ""): string {
  if (!PATH_PREFIX_PATTERN.test(pathPrefix)) {
    throw new RangeError(`not a path prefix like batch/: ${JSON.stringify(pathPrefix)}`);
  }
  const path = pathPrefix === KEYS.inputPrefix ? "" : `-${pathPrefix.slice(0, -1)}`;
  return `${RESULTS_ROOT_STEM}${path}${tag}/`;
}

/**
 * Every results root of a path, one per upload format (`input/` → `output/`, `output.gz/`): what a
 * role that writes or reads that path's results must be granted, so no format is left out.
 */
export function resultsRootsOf(pathPrefix: string): string[] {
  return INPUT_FORMATS.map((f) => resultsRootFor(pathPrefix, f.tag));
}

/** Where a path's error reports go: `errors/<path prefix>` (every report of the path starts so). */
export function errorReportsPrefixOf(pathPrefix: string): string {
  return `${KEYS.errorsPrefix}${pathPrefix}`;
}

/**
 * THE mapping of an uploaded key on the path `pathPrefix` (default: the KEDA path `input/`):
 * results under `<resultsRootFor(path, format tag)><key without prefix and suffix>/`, error report
 * at `errors/<key>.json`. The rule that makes it injective over every path and format: the root
 * names the path and the format, the rest is the key's own middle, so (root, middle) gives the key
 * back. `input/x.csv` → `output/x/`, `batch/x.csv` → `output-batch/x/`, `input/x.csv.gz` →
 * `output.gz/x/`, `input/batch/x.csv` → `output/batch/x/`. A key outside its path is a caller error.
 */
export function resultKeysFor(key: string, pathPrefix: string = KEYS.inputPrefix): ResultKeys {
  if (!key.startsWith(pathPrefix)) {
    throw new RangeError(`key ${JSON.stringify(key)} is not under ${pathPrefix}`);
  }
  const name = key.slice(pathPrefix.length);
  const format = INPUT_FORMATS.find((f) => name.endsWith(f.suffix));
  const middle = format ? name.slice(0, name.length - format.suffix.length) : name;
  const resultsPrefix = `${resultsRootFor(pathPrefix, format ? format.tag : UNSUPPORTED_FORMAT_TAG)}${middle}/`;
  return {
    resultsPrefix,
    metricsKey: `${resultsPrefix}${RESULT_FILES.qualityMetrics}`,
    errorReportKey: errorReportKeyFor(key),
  };
}

/**
 * `errors/<input key>.json`: the error report of any key (also one outside every path, which is
 * rejected); injective because it embeds the whole key.
 */
export function errorReportKeyFor(key: string): string {
  return `${KEYS.errorsPrefix}${key}.json`;
}
