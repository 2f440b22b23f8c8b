/**
 * Requests and limits of each workload's container, and Kubernetes quantities as numbers. In
 * config/ because both the pod specs (`k8s/specs`) and the settings rules (the namespace quota and
 * the node pools must hold the configured maxima) read them.
 */
import { DEFAULT_MAX_INPUT_MIB } from "@pipeline/processor/contract";
import type { Workload } from "./names";
import { preprocessSize } from "./preprocess-size";
import type { Settings } from "./schema";

/** Requests and limits of each workload's container. */
export interface ContainerSize {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  /** Size limit of the writable `/tmp` (the root filesystem is read-only). */
  readonly tmpSize: string;
}

/**
 * Sizes per workload at the default settings. The consumer buffers at most one NDJSON batch in
 * memory; the producer only generates and sends small messages. Preprocess: the sizes for the
 * default largest upload; ./preprocess-size.ts derives them from `workloads.preprocessMaxInputMiB`
 * with the measured figures they rest on ({@link workloadSizes} applies a stack's setting).
 */
export const CONTAINER_SIZES: Readonly<Record<Workload, ContainerSize>> = {
  preprocess: preprocessSize(DEFAULT_MAX_INPUT_MIB),
  consumer: {
    cpuRequest: "250m",
    cpuLimit: "1",
    memoryRequest: "256Mi",
    memoryLimit: "512Mi",
    tmpSize: "256Mi",
  },
  producer: {
    cpuRequest: "100m",
    cpuLimit: "500m",
    memoryRequest: "128Mi",
    memoryLimit: "256Mi",
    tmpSize: "64Mi",
  },
};

/** Each workload's size for a stack: the preprocess pods' follow its largest accepted upload. */
export function workloadSizes(settings: Settings): Readonly<Record<Workload, ContainerSize>> {
  return {
    ...CONTAINER_SIZES,
    preprocess: preprocessSize(settings.workloads.preprocessMaxInputMiB),
  };
}

/** CPU of a Kubernetes quantity ("2", "250m", "0.5"), in millicores. */
export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
  return m[2] ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

const MEMORY_UNITS: Readonly<Record<string, number>> = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 };

/** Memory of a Kubernetes quantity in the binary units the specs use ("256Mi", "1Gi"), in MiB. */
export function memoryMiB(quantity: string): number {
  const m = /^(\d+)(Mi|Gi|Ti)$/.exec(quantity);
  const unit = m?.[2] === undefined ? undefined : MEMORY_UNITS[m[2]];
  if (!m || unit === undefined) throw new Error(`not a memory quantity in Mi/Gi/Ti: ${quantity}`);
  return Number(m[1]) * unit;
}
