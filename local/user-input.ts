/**
 * The user's own CSV files (`--input PATH`, a file or a folder, repeatable) as a run's uploads,
 * instead of generated ones. Each file's expectation comes from the processor's own first pass
 * (`analyzeInput`, the code the preprocess job runs): a file it rejects must end in an error
 * report, any other must get its outputs with `total_rows` equal to the data rows it counted.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { KEYS, UPLOAD_SUFFIXES } from "@pipeline/processor/contract";
import { analyzeInput } from "../processor/src/preprocess/analyze";
import { PermanentFileError } from "../processor/src/preprocess/errors";
import { readRecords } from "../processor/src/preprocess/text-source";
import type { LocalOptions } from "./options";
import { seedFiles, type SeedFile } from "./seed";

/** Thrown for an input path that cannot be uploaded; the message names the path. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

const SUFFIXES = [...UPLOAD_SUFFIXES].sort((a, b) => a.length - b.length).join(" or ");
const isUpload = (name: string): boolean => UPLOAD_SUFFIXES.some((s) => name.endsWith(s));

/**
 * The files `paths` name, in order: a file as given (it must end in `.csv` or `.csv.gz`, the
 * suffixes the raw bucket's notification filters on, case-sensitive as S3's filter is), a folder's
 * `*.csv` and `*.csv.gz` files (not its subfolders) sorted by name.
 */
export function inputPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const given of paths) {
    let stat;
    try {
      stat = statSync(given);
    } catch {
      throw new InputError(`--input ${given}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      const csvs = readdirSync(given, { withFileTypes: true })
        .filter((e) => e.isFile() && isUpload(e.name))
        .map((e) => e.name)
        .sort();
      if (csvs.length === 0) {
        throw new InputError(`--input ${given}: the folder holds no ${SUFFIXES} file`);
      }
      out.push(...csvs.map((name) => path.join(given, name)));
    } else if (!isUpload(given)) {
      throw new InputError(
        `--input ${given}: not a ${SUFFIXES} file (only those start a preprocess job)`,
      );
    } else out.push(given);
  }
  return out;
}

/** Data rows of `body` as the processor's reader counts records (the header excluded). */
async function recordCount(body: Buffer): Promise<number> {
  let records = 0;
  try {
    await readRecords(
      () => once(body),
      () => records++,
    );
  } catch {
    // Unreadable text: the count stays what was read before the error.
  }
  return Math.max(0, records - 1);
}

async function* once(body: Buffer): AsyncIterable<Uint8Array> {
  yield body;
}

/** One user file as an upload under `input/<file name>` with what the processor will make of it. */
export async function inputFile(file: string): Promise<SeedFile> {
  const body = readFileSync(file);
  const key = `${KEYS.inputPrefix}${path.basename(file)}`;
  let text: Buffer;
  try {
    text = key.endsWith(".gz") ? gunzipSync(body) : body;
  } catch {
    // The job rejects a `.csv.gz` that is not gzip with an error report (contract: gzipModeFor).
    return { key, body, rows: 0, expectError: true };
  }
  try {
    const analysis = await analyzeInput(() => once(text));
    return { key, body, rows: analysis.rows, expectError: false };
  } catch (err) {
    if (!(err instanceof PermanentFileError)) throw err;
    return { key, body, rows: await recordCount(text), expectError: true };
  }
}

/** Every file `paths` name as uploads; two files with one name would share a key. */
export async function inputFiles(paths: readonly string[]): Promise<SeedFile[]> {
  const files = inputPaths(paths);
  const byKey = new Map<string, string>();
  for (const file of files) {
    const key = `${KEYS.inputPrefix}${path.basename(file)}`;
    const other = byKey.get(key);
    if (other !== undefined) {
      throw new InputError(`--input: ${other} and ${file} would both be uploaded as ${key}`);
    }
    byKey.set(key, file);
  }
  return Promise.all(files.map(inputFile));
}

/** A run's uploads: the user's files when `--input` names any, generated ones otherwise. */
export async function runFiles(options: LocalOptions): Promise<SeedFile[]> {
  return options.input.length > 0 ? inputFiles(options.input) : seedFiles(options);
}
