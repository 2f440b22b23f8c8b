/**
 * The Node runtime flags the image runs the processor with (processor/Dockerfile `NODE_OPTIONS`),
 * kept here so the benchmark measures the process exactly as deployed. A 16 MB semi-space and a
 * 160 MB old space bound the main thread's heap (by default V8 sizes it from the machine's
 * memory); each worker thread's heap is bounded by `WORKER_HEAP` (chunk-pool.ts). The whole
 * process's peak RSS is measured by the benchmark (k8s/specs/common.ts has the figures).
 */
export const PROCESSOR_NODE_OPTIONS = "--max-semi-space-size=16 --max-old-space-size=160";
