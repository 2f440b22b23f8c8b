/**
 * How large an upload the preprocessing accepts, and the scratch disk that takes: the job keeps
 * the downloaded input and its four outputs on local disk until they are uploaded, so the `/tmp`
 * volume of its pod, and the pod's `ephemeral-storage`, are sized from the accepted maximum with
 * the measured ratio below (k8s/specs). A larger upload gets an error report instead of a
 * download, so the pod is never evicted for its disk use (an emptyDir over its `sizeLimit` is
 * evicted at once, without the SIGTERM that would release the message).
 */

/** Default largest accepted upload, MiB (`MAX_INPUT_BYTES`, settings `workloads.preprocessMaxInputMiB`). */
export const DEFAULT_MAX_INPUT_MIB = 1024;

/** Bytes in a MiB. */
export const MIB = 1024 * 1024;

/**
 * Scratch disk per input byte at the end of a file: the input plus the four outputs, which hold
 * the input's rows twice (cleaned and transformed, the latter with extra columns). Measured with
 * `npm run bench:preprocess` (its "scratch disk" lines, 2026-12-01): 2.56x at 50,000 seed-shaped
 * rows (7.7 MB) and 2.57x at 1,000,000 (156 MB); rounded up to 2.7 for wider or sparser rows. A gzip upload is held compressed, and its
 * decompressed size is bounded by the same maximum, so its outputs are bounded alike.
 */
export const SCRATCH_BYTES_PER_INPUT_BYTE = 2.7;

/** Room for what is not input or output (the job's logs go to stdout, not this volume). */
export const SCRATCH_MARGIN_MIB = 64;

/** The scratch volume, MiB, a job needs for inputs of at most `maxInputMiB` (a multiple of 64). */
export function scratchMiBFor(maxInputMiB: number): number {
  const needed = Math.ceil(maxInputMiB * SCRATCH_BYTES_PER_INPUT_BYTE) + SCRATCH_MARGIN_MIB;
  return Math.ceil(needed / 64) * 64;
}
