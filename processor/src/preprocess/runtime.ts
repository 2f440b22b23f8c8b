/**
 * The Node runtime flags the image runs the processor with by default (processor/Dockerfile
 * `NODE_OPTIONS`), kept here so the benchmark measures the job exactly as deployed: a 16 MB
 * semi-space and the 160 MB old space the job's measured peaks rest on. On a cluster each
 * container gets its own `NODE_OPTIONS` from its memory limit (contract/heap.ts,
 * k8s/specs/env.ts); each worker thread's heap is bounded by `WORKER_HEAP` (contract/heap.ts).
 */
import { heapNodeOptions, PREPROCESS_MEASURED_OLD_SPACE_MIB } from "../contract";

export const PROCESSOR_NODE_OPTIONS = heapNodeOptions(PREPROCESS_MEASURED_OLD_SPACE_MIB);
