/**
 * V8 flags for the preprocess commands, set from code because NODE_OPTIONS accepts only a short
 * list of V8 flags (https://nodejs.org/api/cli.html#node_optionsoptions), and a command line
 * flag would have to be repeated in the image's entry point, local mode, and the bench.
 *
 * `--no-lazy-feedback-allocation`: V8 gives a function its feedback vector (the type feedback its
 * optimizing compilers work from) only after it has run for a while; with the flag, on the first
 * call, so the hot loops reach optimized code sooner. A job is a fresh process, and on a small file
 * most of its time is that warm-up: 50k rows (7.7 MB, inline) took 0.50-0.56 s instead of 0.61 s
 * (medians of 10 alternating runs each, twice); 1M rows with two workers did not change (4.48 vs
 * 4.38 s, within the noise). Lower tier-up counts (`--invocation-count-for-maglev=100`,
 * `--invocation-count-for-turbofan=1000`) added nothing measurable and were left out.
 */
import { setFlagsFromString } from "node:v8";

export const PREPROCESS_V8_FLAGS = ["--no-lazy-feedback-allocation"] as const;

/**
 * Sets {@link PREPROCESS_V8_FLAGS} for this process (worker threads started later share them).
 * Call it before the preprocessing modules load: V8 reads the flag when it creates a function.
 */
export function applyPreprocessV8Flags(): void {
  for (const flag of PREPROCESS_V8_FLAGS) setFlagsFromString(flag);
}
