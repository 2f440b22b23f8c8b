/**
 * The Node runtime flags the image runs the processor with by default (processor/Dockerfile
 * `NODE_OPTIONS`), kept here so the benchmark measures the job exactly as deployed: a 16 MB
 * semi-space and the 160 MB old space the job's measured peaks rest on. On a cluster each
 * container gets its own `NODE_OPTIONS` from its memory limit (contract/heap.ts,
 * k8s/specs/env.ts); each worker thread's heap is bounded by `WORKER_HEAP` (contract/heap.ts).
 */
import { heapNodeOptions, PREPROCESS_MEASURED_OLD_SPACE_MIB } from "../contract";

export const PROCESSOR_NODE_OPTIONS = heapNodeOptions(PREPROCESS_MEASURED_OLD_SPACE_MIB);

/**
 * The image's `GLIBC_TUNABLES` (processor/Dockerfile): a fixed 128 KiB mmap threshold, glibc's
 * initial default. Left dynamic, glibc raises the threshold to the size of each freed mmap'd
 * block (mallopt(3), M_MMAP_THRESHOLD), so after the first freed chunk buffer (about 1 MiB) every
 * later one comes from a thread's heap arena, which keeps the pages after `free`; setting the
 * tunable turns that adjustment off (glibc manual, "Memory Allocation Tunables":
 * https://sourceware.org/glibc/manual/latest/html_node/Memory-Allocation-Tunables.html). Measured
 * at 1M rows with two workers: peak RSS 262-271 MB with it, 370-372 MB without, same time.
 */
export const PROCESSOR_GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=131072";
