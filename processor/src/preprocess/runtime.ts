/**
 * The Node runtime flags the image runs the processor with (processor/Dockerfile `NODE_OPTIONS`),
 * kept here so the benchmark measures the process exactly as deployed. A 16 MB semi-space and a
 * 160 MB old space keep the preprocessing's peak RSS under 256 MB for any file size; by default
 * V8 sizes its heap from the machine's memory and lets a 1M-row run grow past 400 MB.
 */
export const PROCESSOR_NODE_OPTIONS = "--max-semi-space-size=16 --max-old-space-size=160";
