/**
 * The V8 heap each processor container runs with, from its memory limit. Kubernetes passes the
 * result as `NODE_OPTIONS` per container (k8s/specs/env.ts), so each workload's heap follows its
 * own limit; the image's `NODE_OPTIONS` (processor/Dockerfile) is only the fallback for a plain
 * `docker run`. Without a flag V8 sizes the old space from the machine's memory (4,288 MiB on a
 * 24 GiB host), not the container's, and the kernel kills the pod long before V8 collects.
 */

/** The semi-space size every workload runs with; V8's young generation is three of them. */
export const SEMI_SPACE_MIB = 16;

/**
 * Resident memory of a processor process outside its V8 heap: measured 78 MB peak RSS for Node
 * 24.21 with the S3 and SQS clients loaded (`/usr/bin/time -f %M`, 2026-12-02), rounded up.
 */
export const NATIVE_BASELINE_MIB = 96;

/**
 * The share of what is left of the limit (after the baseline) that the heap may fill: the rest absorbs native growth the baseline does not see
 * (sockets and TLS buffers under load, zlib streams, page rounding of the heap's spaces).
 */
export const HEAP_SHARE = 0.85;

/** The smallest old space a processor command is given; a limit that leaves less is refused. */
export const MIN_OLD_SPACE_MIB = 64;

/**
 * The old-space size, MiB, for a container limited to `memoryLimitMiB`: what is left after the
 * native baseline, times {@link HEAP_SHARE}, less the young generation.
 * Throws when the limit cannot hold {@link MIN_OLD_SPACE_MIB}: raise the limit.
 */
export function oldSpaceMiB(memoryLimitMiB: number): number {
  const heapLimit = (memoryLimitMiB - NATIVE_BASELINE_MIB) * HEAP_SHARE;
  const old = Math.floor(heapLimit - 3 * SEMI_SPACE_MIB);
  if (!(old >= MIN_OLD_SPACE_MIB)) {
    throw new RangeError(
      `a memory limit of ${memoryLimitMiB} MiB leaves a V8 old space of ${old} MiB, under the ` +
        `${MIN_OLD_SPACE_MIB} MiB minimum: raise the limit`,
    );
  }
  return old;
}

/**
 * Node flags every processor process starts with on its command line (the image's ENTRYPOINT,
 * local mode, the benchmark), because `NODE_OPTIONS` refuses them ("--min-semi-space-size= is not
 * allowed in NODE_OPTIONS"; its list: https://nodejs.org/api/cli.html#node_optionsoptions).
 * The young generation starts at its full size instead of at 1 MiB a semi-space, grown a step per
 * collection: within the budget {@link oldSpaceMiB} already leaves it, and a short job does not
 * pay for the growth. A 50k-row file (run inline) scavenged 8 times in 16 ms instead of 25 times in
 * 30 ms and took 0.38 instead of 0.41 s, 0.44 instead of 0.49 CPU-s (median of 40 alternating
 * runs); 1M rows, on workers, did not change (2.49 vs 2.54 s, 8 runs).
 */
export const PROCESSOR_NODE_FLAGS = [`--min-semi-space-size=${SEMI_SPACE_MIB}`] as const;

/** The `NODE_OPTIONS` value for an old space of `oldSpace` MiB. */
export function heapNodeOptions(oldSpace: number): string {
  return `--max-semi-space-size=${SEMI_SPACE_MIB} --max-old-space-size=${oldSpace}`;
}

/** What V8 reports as `heap_size_limit` for {@link heapNodeOptions}(`oldSpace`), in MiB. */
export function heapSizeLimitMiB(oldSpace: number): number {
  return oldSpace + 3 * SEMI_SPACE_MIB;
}

/**
 * Each preprocess worker thread's V8 heap (chunk-pool.ts passes it as `resourceLimits`). A chunk's
 * garbage is short-lived and dies in the young generation either way: at 1M rows on 2 workers a
 * 12 MB young generation measured 4.6-5.3 s and 324-344 MB peak RSS, 48 MB 4.5-5.1 s and 349-388
 * MB (runs alternating on the same machine), so the smaller one, for the memory. The old
 * generation holds little but code.
 */
export const WORKER_HEAP = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 96 } as const;

/**
 * The preprocess main thread's old space that `npm run bench:preprocess` measured the job's peaks
 * with (config/preprocess-size.ts): every job runs with it, and the job's memory limit is derived
 * from those peaks (so it always holds this heap), not the heap from the limit.
 */
export const PREPROCESS_MEASURED_OLD_SPACE_MIB = 160;
