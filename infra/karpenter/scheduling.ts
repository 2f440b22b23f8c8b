/**
 * Where the pipeline's pods run when Karpenter buys the nodes: the labels and taint that separate the
 * preprocess job pool from the general pool, and the node selectors, tolerations and annotations
 * the workload pods carry to land on them. Pure: shared by the NodePools (infra) and the pod specs
 * (k8s spec builders, local mode).
 */
import type { IToleration } from "kubernetes-models/v1/Toleration";
import { WORKLOADS, type Workload } from "../../config";
import type { Settings } from "../../config";

/** Node label (set by the NodePools) that tells the two pools apart. */
export const POOL_LABEL = "pipeline/pool";

/** The two Karpenter pools: spot-first nodes for preprocess jobs, on-demand nodes for the rest. */
export type PoolKind = "jobs" | "general";

/** NodePool object names (cluster-scoped). */
export const NODE_POOL_NAMES: Readonly<Record<PoolKind, string>> = {
  jobs: "preprocess-jobs",
  general: "general",
};

/** Karpenter's pod annotation that keeps it from voluntarily disrupting the pod's node. */
export const DO_NOT_DISRUPT_ANNOTATION = "karpenter.sh/do-not-disrupt";

/** A node taint (the fields Kubernetes and Karpenter's NodePool template take). */
export interface NodeTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/**
 * Each pool taints its nodes with its own name, so only pods that tolerate it land there: a
 * long-running consumer never sits on a spot job node that can be reclaimed with two minutes'
 * notice, and system pods (CoreDNS, KEDA, metrics agents) never drift onto Karpenter's nodes, where
 * they would keep an idle node alive; they stay on the managed node group.
 */
export function poolTaint(pool: PoolKind): NodeTaint {
  return { key: POOL_LABEL, value: pool, effect: "NoSchedule" };
}

/** Which pool each workload runs in. */
export const WORKLOAD_POOLS: Readonly<Record<Workload, PoolKind>> = {
  preprocess: "jobs",
  producer: "general",
  consumer: "general",
};

/** What a pod template needs to land on a pool. */
export interface PodScheduling {
  /** Pod `spec.nodeSelector`. */
  readonly nodeSelector: Record<string, string>;
  /** Pod `spec.tolerations`. */
  readonly tolerations: IToleration[];
  /** Pod template `metadata.annotations`. */
  readonly annotations: Record<string, string>;
}

/** The labels every node of a pool carries (NodePool `spec.template.metadata.labels`). */
export function poolLabels(pool: PoolKind): Record<string, string> {
  return { [POOL_LABEL]: pool };
}

/** The taints of a pool's nodes (NodePool `spec.template.spec.taints`). */
export function poolTaints(pool: PoolKind): NodeTaint[] {
  return [poolTaint(pool)];
}

/** The toleration of a pool's taint, exactly. */
export function poolToleration(pool: PoolKind): IToleration {
  const taint = poolTaint(pool);
  return { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

/**
 * Preprocess job pods: select the job pool, tolerate its taint, and ask Karpenter not to consolidate
 * a node away under a running job (a job is one file; evicting it wastes the work and counts against
 * the Job's backoffLimit). Node expiry still drains them, bounded by the pool's terminationGracePeriod.
 */
export function jobPoolScheduling(): PodScheduling {
  return {
    nodeSelector: poolLabels("jobs"),
    tolerations: [poolToleration("jobs")],
    annotations: { [DO_NOT_DISRUPT_ANNOTATION]: "true" },
  };
}

/**
 * Producer and consumer pods: select the general pool and tolerate its taint. No do-not-disrupt:
 * they drain on SIGTERM, so consolidation may move them.
 */
export function generalPoolScheduling(): PodScheduling {
  return {
    nodeSelector: poolLabels("general"),
    tolerations: [poolToleration("general")],
    annotations: {},
  };
}

/**
 * The scheduling of a workload's pods for a node-autoscaling mode: Karpenter's pool for the
 * workload, or nothing at all when the fixed managed node group runs everything (`none`).
 */
export function workloadScheduling(
  mode: Settings["nodeAutoscaling"],
  workload: Workload,
): PodScheduling {
  // Without Karpenter the fixed group has no pool labels: constraining the pods would strand them.
  if (mode === "none") return { nodeSelector: {}, tolerations: [], annotations: {} };
  return WORKLOAD_POOLS[workload] === "jobs" ? jobPoolScheduling() : generalPoolScheduling();
}

/** The scheduling of every workload for a mode (what the k8s Workloads component takes). */
export function schedulingForWorkloads(
  mode: Settings["nodeAutoscaling"],
): Record<Workload, PodScheduling> {
  return Object.fromEntries(WORKLOADS.map((w) => [w, workloadScheduling(mode, w)])) as Record<
    Workload,
    PodScheduling
  >;
}
