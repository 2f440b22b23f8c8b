/**
 * Where the pipeline's pods run when Karpenter (self-managed or EKS Auto Mode's) buys the nodes: the labels and taint that separate the
 * preprocess job pool from the general pool, and the node selectors, tolerations and annotations
 * the workload pods carry to land on them. Pure: shared by the NodePool builders and the pod specs
 * (the KEDA workloads and the orchestration Job).
 */
import type { IToleration } from "kubernetes-models/v1/Toleration";
import { WORKLOADS, type Settings, type Workload } from "../../config";

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

/**
 * Where a workload's pods may run, and what a pod template needs to land there (a Karpenter pool,
 * dedicated nodes); an absent or empty field constrains nothing.
 */
export interface Scheduling {
  /** Pod `spec.nodeSelector`: node labels the pods require. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Pod `spec.tolerations`: taints the pods tolerate. */
  readonly tolerations?: readonly IToleration[];
  /** Pod template `metadata.annotations` (e.g. Karpenter's `karpenter.sh/do-not-disrupt`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The pod spec fields of a placement (nothing for an absent or empty one). */
export function placementFields(s: Scheduling | undefined): {
  nodeSelector?: Record<string, string>;
  tolerations?: IToleration[];
} {
  const fields: { nodeSelector?: Record<string, string>; tolerations?: IToleration[] } = {};
  if (s?.nodeSelector && Object.keys(s.nodeSelector).length > 0) {
    fields.nodeSelector = { ...s.nodeSelector };
  }
  if (s?.tolerations && s.tolerations.length > 0) fields.tolerations = [...s.tolerations];
  return fields;
}

/** The pod template annotations a placement asks for (undefined for none). */
export function placementAnnotations(
  s: Scheduling | undefined,
): Record<string, string> | undefined {
  const annotations = s?.annotations;
  return annotations && Object.keys(annotations).length > 0 ? { ...annotations } : undefined;
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
export function jobPoolScheduling(): Scheduling {
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
export function generalPoolScheduling(): Scheduling {
  return {
    nodeSelector: poolLabels("general"),
    tolerations: [poolToleration("general")],
    annotations: {},
  };
}

/** Name of EKS Auto Mode's built-in pool for general workloads (it cannot be modified). */
export const AUTO_MODE_GENERAL_POOL = "general-purpose";

/** The NodePool label Karpenter (and so EKS Auto Mode) puts on every node it launches. */
export const NODE_POOL_LABEL = "karpenter.sh/nodepool";

/**
 * Producer and consumer pods under EKS Auto Mode: its built-in general-purpose pool, selected by
 * the NodePool label (the pool has no taint to tolerate; docs.aws.amazon.com/eks/latest/userguide/
 * set-builtin-node-pools.html). Selecting it keeps them off the tainted jobs pool's spot nodes.
 */
export function autoModeGeneralScheduling(): Scheduling {
  return {
    nodeSelector: { [NODE_POOL_LABEL]: AUTO_MODE_GENERAL_POOL },
    tolerations: [],
    annotations: {},
  };
}

/**
 * The scheduling of a workload's pods for a node-autoscaling mode: Karpenter's pool for the
 * workload; under Auto Mode the same jobs pool (an Auto Mode NodePool with the same label and
 * taint) and the built-in general-purpose pool for the rest; or nothing at all when the fixed
 * managed node group runs everything (`none`).
 */
export function workloadScheduling(
  mode: Settings["nodeAutoscaling"],
  workload: Workload,
): Scheduling {
  // Without Karpenter the fixed group has no pool labels: constraining the pods would strand them.
  if (mode === "none") return { nodeSelector: {}, tolerations: [], annotations: {} };
  if (WORKLOAD_POOLS[workload] === "jobs") return jobPoolScheduling();
  return mode === "auto-mode" ? autoModeGeneralScheduling() : generalPoolScheduling();
}

/** The scheduling of every workload for a mode (what the k8s Workloads component takes). */
export function schedulingForWorkloads(
  mode: Settings["nodeAutoscaling"],
): Record<Workload, Scheduling> {
  return Object.fromEntries(WORKLOADS.map((w) => [w, workloadScheduling(mode, w)])) as Record<
    Workload,
    Scheduling
  >;
}
