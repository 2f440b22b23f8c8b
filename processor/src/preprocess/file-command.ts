/**
 * `processor preprocess-file IN.csv[.gz] OUTDIR`: the preprocessing on local files (a gzip file,
 * recognised by its magic number whatever its name, is decompressed as it streams), without AWS (its own
 * module, so the command does not load the AWS SDK).
 */
import { createLogger } from "../log";
import { PermanentFileError } from "./errors";
import { preprocessFile } from "./pipeline";

/** `processor preprocess-file IN.csv[.gz] OUTDIR`: 0 on success, 1 for a file that cannot be processed. */
export async function preprocessFileCommand(args: readonly string[]): Promise<number> {
  const [input, outDir] = args;
  if (!input || !outDir || args.length !== 2) {
    process.stderr.write("usage: processor preprocess-file IN.csv[.gz] OUTDIR\n");
    return 2;
  }
  const logger = createLogger({ base: { command: "preprocess-file" } });
  const started = process.hrtime.bigint();
  try {
    const result = await preprocessFile(input, outDir);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Peak resident memory of the whole process (getrusage), for benchmarks and capacity planning.
    const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    logger.info({ input, outDir, seconds, maxRssMB, ...result.metrics }, "preprocessed");
    return 0;
  } catch (err) {
    if (err instanceof PermanentFileError) {
      logger.error({ input, code: err.code, reason: err.message }, "file cannot be processed");
      return 1;
    }
    throw err;
  }
}
