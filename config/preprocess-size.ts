/**
 * The preprocess pod's CPU, memory and disk, from the largest upload it accepts
 * (`workloads.preprocessMaxInputMiB`), on the figures `npm run bench:preprocess` measured
 * (2026-12-01, a shared 2-core machine, the image's Node flags, seed-shaped rows of ~156 bytes,
 * 2 worker threads as under the CPU limit of 2):
 *
 * | rows      | input   | peak RSS | scratch disk (input + outputs) |
 * |-----------|---------|----------|--------------------------------|
 * | 50,000    | 7.7 MB  | 211 MB   | 2.56x                          |
 * | 1,000,000 | 156 MB  | 319 MB   | 2.57x                          |
 * | 4,000,000 | 629 MB  | 383 MB   | 2.57x                          |
 *
 * Memory is three isolates (main + 2 workers, each with danfojs loaded, heaps bounded by the
 * image's flags) plus the one structure that grows with the input: the duplicate-row fingerprint
 * table, 8 bytes per slot at 25-50 % load, briefly old + new while it doubled — at worst 48 bytes
 * per distinct row (stats.ts `FingerprintSet`). Pure: no Pulumi.
 *
 * Since then the job's peaks fell (chunks read in place and freed at once, glibc's mmap threshold
 * fixed in the image, the table made at its final size: at worst 32 bytes per row): 2026-12-02,
 * 134 MB at 50k rows, 247-265 MB at 1M, 306 MB at 4M (README "The preprocess job's limits"). The
 * model below keeps the earlier, higher figures: the request now holds more headroom than it
 * needs, and lowering it would move every capacity figure derived from it.
 */
import { scratchMiBFor } from "@pipeline/processor/contract";

/** Peak RSS without the fingerprint table, MiB: 319 MB at 1M rows less its ~16 MB table. */
export const PREPROCESS_BASE_PEAK_MIB = 290;

/** Worst-case fingerprint table per input MiB: 48 bytes x ~6,700 seed-shaped rows per MiB. */
export const FINGERPRINT_MIB_PER_INPUT_MIB = 0.31;

/** Limit over the modelled peak: rows narrower than the seed's mean more rows per byte. */
export const MEMORY_LIMIT_HEADROOM = 1.5;

/**
 * Room on the node for a container's logs besides its `/tmp` (the kubelet rotates a container's
 * log at 10 MiB and keeps 5 files: `containerLogMaxSize`, `containerLogMaxFiles`).
 */
export const CONTAINER_LOG_MIB = 64;

/** Requests and limits of the preprocess container, and its `/tmp`. */
export interface PreprocessSize {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  /** The `/tmp` emptyDir's `sizeLimit`: the input and its four outputs. */
  readonly tmpSize: string;
  /** The `ephemeral-storage` request and limit: `/tmp` plus the container's logs. */
  readonly ephemeralStorage: string;
}

const ceil64 = (mib: number) => Math.ceil(mib / 64) * 64;

/** The modelled peak RSS, MiB, of a job on an upload of `inputMiB` (conservative: 476 at 629 MB, measured 365). */
export function preprocessPeakMiB(inputMiB: number): number {
  return PREPROCESS_BASE_PEAK_MIB + FINGERPRINT_MIB_PER_INPUT_MIB * inputMiB;
}

/**
 * The preprocess pod's sizes for uploads of at most `maxInputMiB`. CPU: limit 2 (the pool starts
 * one worker per core of the limit; 1M rows take 2.7-4.7 s on a 2-core machine, 2026-12-02),
 * request 1 (one job per 2-vCPU node still fits). Memory: the request is the modelled peak at the largest upload (Karpenter buys nodes for
 * requests), the limit 1.5x it. Disk: requested as limited, so a job is placed only where its
 * whole scratch fits; past it the kubelet evicts at once, which the job's size check prevents.
 * Defaults (1024 MiB): 1/2 CPU, 640Mi/960Mi memory, a 2,880 MiB `/tmp`, 2,944 MiB ephemeral-storage.
 */
export function preprocessSize(maxInputMiB: number): PreprocessSize {
  const peak = preprocessPeakMiB(maxInputMiB);
  const tmpMiB = scratchMiBFor(maxInputMiB);
  return {
    cpuRequest: "1",
    cpuLimit: "2",
    memoryRequest: `${ceil64(peak)}Mi`,
    memoryLimit: `${ceil64(peak * MEMORY_LIMIT_HEADROOM)}Mi`,
    tmpSize: `${tmpMiB}Mi`,
    ephemeralStorage: `${tmpMiB + CONTAINER_LOG_MIB}Mi`,
  };
}

/** The preprocess container's `resources` for uploads of at most `maxInputMiB`. */
export function preprocessResources(maxInputMiB: number) {
  const size = preprocessSize(maxInputMiB);
  return {
    requests: {
      cpu: size.cpuRequest,
      memory: size.memoryRequest,
      "ephemeral-storage": size.ephemeralStorage,
    },
    limits: {
      cpu: size.cpuLimit,
      memory: size.memoryLimit,
      "ephemeral-storage": size.ephemeralStorage,
    },
  };
}
