/**
 * The Karpenter Helm charts (official OCI charts, pinned) and the controller's values. Pure.
 *
 * CRDs come from the separate `karpenter-crd` chart at the same version rather than from the main
 * chart's `crds/` folder: Helm installs `crds/` once and never upgrades them, so a chart bump would
 * leave the NodePool/EC2NodeClass schemas behind the controller. As templates of their own release
 * they are upgraded with every version bump (Karpenter's documented way to manage CRD lifecycle).
 */

/** OCI reference of the controller chart. */
export const KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter";
/** OCI reference of the CRD chart (same version as the controller chart). */
export const KARPENTER_CRD_CHART = "oci://public.ecr.aws/karpenter/karpenter-crd";
/** Namespace of the controller (Karpenter's documented default, next to the other system pods). */
export const KARPENTER_NAMESPACE = "kube-system";
/** Service account of the controller; the Pod Identity association names it. */
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
/** Helm release names. */
export const KARPENTER_RELEASE = "karpenter";
export const KARPENTER_CRD_RELEASE = "karpenter-crd";

/** UID/GID the controller image runs as (the chart's own). */
export const KARPENTER_UID = 65532;

/** Label EKS puts on every node of a managed node group. */
export const MANAGED_NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup";

/** What the controller's values are built from. */
export interface ControllerValuesArgs {
  readonly clusterName: string;
  /** API server endpoint; Karpenter discovers it (eks:DescribeCluster) when empty or absent. */
  readonly clusterEndpoint?: string;
  /** Name of the interruption queue (Karpenter's `settings.interruptionQueue`). */
  readonly interruptionQueueName: string;
  /** AWS region; passed explicitly because IMDS (hop limit 1) is out of the pod's reach. */
  readonly region: string;
  /**
   * Nodes the managed node group keeps at least: the controller runs one replica per node, two
   * when there are two (leader election; the second survives a node loss).
   */
  readonly systemNodes: number;
}

/** Controller replicas: two (one active, one standby) when two system nodes can host them apart. */
export function controllerReplicas(systemNodes: number): number {
  return Math.max(1, Math.min(2, systemNodes));
}

/**
 * Values of the controller chart: the cluster and its interruption queue; the service account Pod
 * Identity binds; a hardened pod (non-root, RuntimeDefault seccomp; the chart's container is
 * already read-only, capability-free and non-escalating); bounded resources; and scheduling onto
 * the managed node group only, never onto a node Karpenter manages (it could consolidate away its
 * own controller), one replica per node.
 */
export function buildControllerValues(args: ControllerValuesArgs): Record<string, unknown> {
  return {
    settings: {
      clusterName: args.clusterName,
      ...(args.clusterEndpoint ? { clusterEndpoint: args.clusterEndpoint } : {}),
      interruptionQueue: args.interruptionQueueName,
    },
    serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
    replicas: controllerReplicas(args.systemNodes),
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: KARPENTER_UID,
      runAsGroup: KARPENTER_UID,
      fsGroup: KARPENTER_UID,
      seccompProfile: { type: "RuntimeDefault" },
    },
    controller: {
      // The SDK finds the region in IMDS otherwise, which the node's hop limit of 1 keeps from pods.
      env: [{ name: "AWS_REGION", value: args.region }],
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      resources: {
        requests: { cpu: "200m", memory: "512Mi" },
        limits: { memory: "1Gi" },
      },
    },
    nodeSelector: { "kubernetes.io/os": "linux" },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
                { key: MANAGED_NODEGROUP_LABEL, operator: "Exists" },
              ],
            },
          ],
        },
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }],
      },
    },
    logLevel: "info",
  };
}
