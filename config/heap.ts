/**
 * Each workload's V8 heap flags (`NODE_OPTIONS`), from its container's memory limit, so one
 * image-wide flag no longer sizes a 512 MiB consumer like a job. Pure: no Pulumi.
 */
import {
  heapNodeOptions,
  oldSpaceMiB,
  PREPROCESS_MEASURED_OLD_SPACE_MIB,
} from "@pipeline/processor/contract";
import type { Workload } from "./names";
import type { Settings } from "./schema";
import { memoryMiB, workloadSizes } from "./sizes";

/**
 * A preprocess job's `NODE_OPTIONS` (the KEDA path's and the workflow's job alike): the old space
 * its peaks were measured with, whatever the upload bound — its limit is derived from those peaks
 * (./preprocess-size.ts), not the other way round, and the input-dependent part of its memory (the
 * duplicate-row table) lives outside the heap.
 */
export const PREPROCESS_NODE_OPTIONS = heapNodeOptions(PREPROCESS_MEASURED_OLD_SPACE_MIB);

/**
 * The `NODE_OPTIONS` of each workload's container for a stack. The consumer and the producer get
 * the old space their memory limit leaves (contract/heap.ts `oldSpaceMiB`); the consumer's bound
 * on held bytes is a share of that heap, so it follows too. Preprocess: {@link PREPROCESS_NODE_OPTIONS}.
 */
export function workloadNodeOptions(settings: Settings): Readonly<Record<Workload, string>> {
  const sizes = workloadSizes(settings);
  const fromLimit = (w: Workload) => heapNodeOptions(oldSpaceMiB(memoryMiB(sizes[w].memoryLimit)));
  return {
    preprocess: PREPROCESS_NODE_OPTIONS,
    consumer: fromLimit("consumer"),
    producer: fromLimit("producer"),
  };
}
