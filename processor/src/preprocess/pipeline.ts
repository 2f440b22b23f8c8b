/**
 * The preprocessing of one CSV in bounded memory: pass 1 ({@link analyzeChunks}) learns the dtypes
 * and medians; pass 2 reads the rows again, cut into the chunks pass 1 found. Each chunk of records
 * goes through the DataFrame step (transform-bytes.ts, or {@link TransformPass} for what that does
 * not take on) on a worker thread (inline for a small input), and the chunks' lines are written to
 * `cleaned_data.csv` and `transformed_data.csv` in file order while the department means and the
 * quality metrics are merged ({@link FileAggregates}). Outputs are byte-identical to the pandas
 * reference. Memory is bounded by the chunks in flight, whatever the file size.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
// The contract module, not its index: the index loads zod (about 40 ms), which this path never uses.
import { RESULT_FILES } from "../contract/keys";
import { FileAggregates, type QualityMetrics } from "./aggregates";
import { analyzeChunks, type Analysis } from "./analyze";
import { BufferPool } from "./buffer-pool";
import { FileBytes } from "./byte-reader";
import { ChunkPool, surplusRelease } from "./chunk-pool";
import type { ChunkTransform } from "./chunk-work";
import { containerCpuLimit } from "./cpu-limit";
import { runOrdered, type ChunkPlan } from "./ordered-chunks";
import { pythonJsonDumps, type PyJson } from "./pandas-format";
import { DEFAULT_CHUNK_BYTES } from "./record-chunks";
import { PermanentFileError } from "./errors";
import type { RowAggregates } from "./row-aggregates";
import { gunzipped, isGzipFile, type OpenInput } from "./text-source";
import { DEFAULT_CHUNK_ROWS, TransformPass } from "./transform-pass";

export type { QualityMetrics } from "./aggregates";

/** The four outputs, by file name (contract: docs/DESIGN.md "Object keys"). */
export const OUTPUT_FILES = RESULT_FILES;

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  /** Rows per DataFrame frame (default {@link DEFAULT_CHUNK_ROWS}). */
  readonly chunkRows?: number;
  /** Bytes of whole records per chunk handed to a worker (default {@link DEFAULT_CHUNK_BYTES}). */
  readonly chunkBytes?: number;
  /** Worker threads (default {@link defaultWorkers}); 0 runs every chunk on the calling thread. */
  readonly workers?: number;
  /** Extra fields of `quality_metrics.json`, after the reference's four (e.g. the S3 source). */
  readonly metricsExtra?: Readonly<Record<string, PyJson>>;
  /** Stops the work (the promise rejects with the abort reason). */
  readonly signal?: AbortSignal;
  /** Called after each merged chunk with the rows done so far (progress logs). */
  readonly onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

/**
 * How {@link preprocessFile} treats a gzip file: `detect` (default, `preprocess-file`) decompresses
 * one when the file starts with the gzip magic number; `require` (a `.csv.gz` key, or
 * `Content-Encoding: gzip`) rejects a file that is not gzip; `refuse` (a plain `.csv` key) rejects
 * a gzip file with an error that names the cause, instead of "not valid UTF-8 text".
 */
export type GzipMode = "detect" | "require" | "refuse";

/** Options of {@link preprocessFile}. */
export interface PreprocessFileOptions extends PreprocessOptions {
  /** Default `detect`. */
  readonly gzip?: GzipMode;
  /** Largest decompressed size of a gzip input (default: no limit). */
  readonly maxPlainBytes?: number;
}

/** What {@link preprocess} did. */
export interface PreprocessResult {
  readonly metrics: QualityMetrics;
  /** Paths of the four outputs, keyed like {@link OUTPUT_FILES}. */
  readonly files: Readonly<Record<keyof typeof OUTPUT_FILES, string>>;
}

/** Plain bytes per gzip byte assumed when sizing the pool for a compressed file. */
const GZIP_RATIO_ESTIMATE = 8;

/**
 * Inputs of at most this many chunks run inline: each worker loads danfojs and warms up on its own,
 * which a small file does not pay back. Measured on 2 cores (image flags, 2 workers vs none, wall):
 * 7.7 MB 0.62-0.67 s inline vs 0.62-0.78 s (and 145 vs 210 MB RSS), 15 MB about even, 31 MB
 * 1.6-2.4 s inline vs 1.3-1.6 s.
 */
export const INLINE_MAX_CHUNKS = 12;

/**
 * Workers for an input of `bytes` (when known): one per core of the container's CPU limit, none on
 * a single core (a worker would only add its start-up time) or for an input of at most
 * {@link INLINE_MAX_CHUNKS} chunks.
 */
export function defaultWorkers(bytes?: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  if (bytes !== undefined && bytes <= INLINE_MAX_CHUNKS * chunkBytes) return 0;
  const cores = containerCpuLimit();
  return cores >= 2 ? cores : 0;
}

/** Preprocesses a local CSV file into `outDir` (`processor preprocess-file`). */
export async function preprocessFile(
  inputPath: string,
  outDir: string,
  options: PreprocessFileOptions = {},
): Promise<PreprocessResult> {
  const gzip = await isGzipFile(inputPath);
  const mode = options.gzip ?? "detect";
  if (gzip && mode === "refuse") {
    throw new PermanentFileError(
      "unexpected_gzip",
      "the object is gzip-compressed but its key ends with .csv and it has no Content-Encoding: gzip (name it .csv.gz, or upload it uncompressed)",
    );
  }
  if (!gzip && mode === "require") {
    throw new PermanentFileError(
      "bad_gzip",
      "the object should be gzip-compressed (.csv.gz key or Content-Encoding: gzip) but does not start with the gzip magic number",
    );
  }
  // Read straight into each chunk's buffer (byte-reader.ts); gunzip streams it.
  const plain: OpenInput = () => new FileBytes(inputPath);
  // Seed-shaped CSV compresses about 5-8x with gzip: the estimate only decides inline or not.
  const size = (await stat(inputPath)).size * (gzip ? GZIP_RATIO_ESTIMATE : 1);
  const workers = options.workers ?? defaultWorkers(size, options.chunkBytes);
  const input = gzip ? gunzipped(plain, options.maxPlainBytes) : plain;
  return preprocess(input, outDir, { ...options, workers });
}

/**
 * Preprocesses the input that `open` streams into `outDir`. It is opened twice (three times when a
 * line end inside a quoted field falls where pass 1 first cut it: see {@link analyzeChunks}).
 */
export async function preprocess(
  open: OpenInput,
  outDir: string,
  options: PreprocessOptions = {},
): Promise<PreprocessResult> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const workers = options.workers ?? defaultWorkers(undefined, chunkBytes);
  // Enough chunks ahead that no worker waits while the merge writes (two per worker).
  const inFlight = Math.max(1, 2 * workers);
  // Chunk buffers in use at once: those in flight, the one read ahead, the one being merged.
  const buffers = new BufferPool(chunkBytes, inFlight + 2, surplusRelease(workers));
  const pool = new ChunkPool(workers, buffers);
  const plan: ChunkPlan = { chunkBytes, inFlight, signal: options.signal, buffers };
  try {
    const { analysis, lengths } = await analyzeChunks(open, pool, plan);
    return await transformInput(open, outDir, analysis, pool, { ...plan, lengths }, options);
  } finally {
    await pool.close();
  }
}

/** Pass 2: the chunks' lines in file order, then the two aggregate outputs. */
async function transformInput(
  open: OpenInput,
  outDir: string,
  analysis: Analysis,
  pool: ChunkPool,
  plan: ChunkPlan,
  options: PreprocessOptions,
): Promise<PreprocessResult> {
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
    const headers = new TransformPass(analysis).headers();
    await write(cleanedOut, headers.cleaned);
    await write(transformedOut, headers.transformed);
    const aggregates = new FileAggregates(analysis);
    const frameRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    await runOrdered<ChunkTransform>(
      open,
      {
        header: () => undefined,
        submit: (bytes) => pool.transform(bytes, analysis, frameRows),
        merge: async (chunk) => {
          aggregates.add(chunk.aggregates);
          releaseRowAggregates(chunk.aggregates, pool.inputs);
          await writeAndRecycle(cleanedOut, chunk.cleaned, pool);
          await writeAndRecycle(transformedOut, chunk.transformed, pool);
          options.onProgress?.(aggregates.rows, analysis.rows);
          return chunk.aggregates.rows;
        },
      },
      plan,
    );
    await Promise.all([closeStream(cleanedOut), closeStream(transformedOut)]);
    await writeFile(files.departmentStatistics, aggregates.departmentStatisticsCsv());
    const metrics: QualityMetrics = aggregates.metrics();
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

async function write(stream: WriteStream, text: string | Uint8Array): Promise<void> {
  if (!stream.write(text)) await once(stream, "drain");
}

/**
 * Frees a merged chunk's per-row arrays (each has a buffer of its own) as the chunk buffers' pool
 * frees its surplus. With workers, at once: this thread then allocates little JavaScript, so its
 * collections are rare, and on 4M rows these arrays (about 190 KB a chunk) piled up to 55 MB of
 * external memory between two of them. Inline, by the collector, which comes often there: a detach
 * would cost the thread its optimized code (buffer-pool.ts, `SurplusRelease`).
 */
function releaseRowAggregates(run: RowAggregates, buffers: BufferPool): void {
  for (const array of [run.fingerprints, run.departmentIds, run.salary, run.age]) {
    buffers.release(array);
  }
}

/** Writes a chunk's output and gives its buffer back once the stream has written it. */
async function writeAndRecycle(
  stream: WriteStream,
  bytes: Uint8Array,
  pool: ChunkPool,
): Promise<void> {
  const buffered = stream.write(bytes, (err) => {
    if (!err) pool.recycleOutput(bytes);
  });
  if (!buffered) await once(stream, "drain");
}
