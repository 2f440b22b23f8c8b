/**
 * The preprocessing of one CSV in bounded memory: pass 1 ({@link analyzeInput}) learns the dtypes
 * and medians; pass 2 ({@link TransformPass}) reads the rows again in chunks, runs the DataFrame
 * step on each chunk, and streams `cleaned_data.csv` and `transformed_data.csv` while it
 * accumulates the department means and the quality metrics. Outputs are byte-identical to the
 * pandas reference.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RESULT_FILES } from "../contract";
import { analyzeInput } from "./analyze";
import { pythonJsonDumps, type PyJson } from "./pandas-format";
import { readRecords, type OpenInput } from "./text-source";
import { DEFAULT_CHUNK_ROWS, TransformPass, type QualityMetrics } from "./transform-pass";

export type { QualityMetrics } from "./transform-pass";

/** The four outputs, by file name (contract: DESIGN.md flow 1). */
export const OUTPUT_FILES = RESULT_FILES;

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  /** Rows per DataFrame chunk (default {@link DEFAULT_CHUNK_ROWS}). */
  readonly chunkRows?: number;
  /** Extra fields of `quality_metrics.json`, after the reference's four (e.g. the S3 source). */
  readonly metricsExtra?: Readonly<Record<string, PyJson>>;
  /** Stops the work (the promise rejects with the abort reason). */
  readonly signal?: AbortSignal;
  /** Called after each piece of input with the rows done so far (progress logs). */
  readonly onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

/** What {@link preprocess} did. */
export interface PreprocessResult {
  readonly metrics: QualityMetrics;
  /** Paths of the four outputs, keyed like {@link OUTPUT_FILES}. */
  readonly files: Readonly<Record<keyof typeof OUTPUT_FILES, string>>;
}

/** Bytes per read: small pieces keep the rows gathered between two writes short-lived. */
export const READ_PIECE_BYTES = 64 * 1024;

/** Preprocesses a local CSV file into `outDir` (`processor preprocess-file`). */
export function preprocessFile(
  inputPath: string,
  outDir: string,
  options: PreprocessOptions = {},
): Promise<PreprocessResult> {
  return preprocess(
    () => createReadStream(inputPath, { highWaterMark: READ_PIECE_BYTES }),
    outDir,
    options,
  );
}

/** Preprocesses the input that `open` streams (it is opened twice) into `outDir`. */
export async function preprocess(
  open: OpenInput,
  outDir: string,
  options: PreprocessOptions = {},
): Promise<PreprocessResult> {
  const analysis = await analyzeInput(open, options.signal);
  await mkdir(outDir, { recursive: true });
  const files = {
    cleaned: join(outDir, OUTPUT_FILES.cleaned),
    transformed: join(outDir, OUTPUT_FILES.transformed),
    departmentStatistics: join(outDir, OUTPUT_FILES.departmentStatistics),
    qualityMetrics: join(outDir, OUTPUT_FILES.qualityMetrics),
  };
  const cleanedOut = createWriteStream(files.cleaned);
  const transformedOut = createWriteStream(files.transformed);
  try {
    const pass = new TransformPass(analysis, options.chunkRows ?? DEFAULT_CHUNK_ROWS);
    const headers = pass.headers();
    await write(cleanedOut, headers.cleaned);
    await write(transformedOut, headers.transformed);
    const drain = async () => {
      const out = pass.take();
      if (out === undefined) return;
      await write(cleanedOut, out.cleaned);
      await write(transformedOut, out.transformed);
      options.onProgress?.(pass.rows, analysis.rows);
    };
    await readRecords(open, (record) => pass.onRecord(record), drain, options.signal);
    pass.finish();
    await drain();
    await Promise.all([closeStream(cleanedOut), closeStream(transformedOut)]);
    await writeFile(files.departmentStatistics, pass.departmentStatisticsCsv());
    const metrics = pass.metrics();
    await writeFile(
      files.qualityMetrics,
      pythonJsonDumps({ ...metrics, ...(options.metricsExtra ?? {}) }),
    );
    return { metrics, files };
  } finally {
    cleanedOut.destroy();
    transformedOut.destroy();
  }
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, "finish");
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}
