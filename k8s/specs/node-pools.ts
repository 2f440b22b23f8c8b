/**
 * Karpenter's node configuration as typed objects: one EC2NodeClass (how a node is built: AMI,
 * subnets, security group, IMDS, disk) and two NodePools (which nodes may be bought, for whom, up to
 * what size, and when they go away). Built from the settings by pure functions; the types come from
 * `@kubernetes-models/karpenter` (karpenter.sh/v1, karpenter.k8s.aws/v1), and the tests validate
 * the results against those models' schemas.
 */
import type { IEC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import type { IBlockDeviceMapping } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/BlockDeviceMapping";
import type { IBudget } from "@kubernetes-models/karpenter/karpenter.sh/v1/Budget";
import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import type { INodeSelectorRequirementWithMinValues } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodeSelectorRequirementWithMinValues";
import type { Settings } from "../../config";
import { NODE_POOL_NAMES, poolLabels, poolTaints, type PoolKind } from "./scheduling";

/** A NodePool or EC2NodeClass as built here: always named, always with a spec. */
export type Named<T extends { metadata?: object; spec?: unknown }> = T & {
  metadata: NonNullable<T["metadata"]> & { name: string };
  spec: NonNullable<T["spec"]>;
};

/** Name of the one EC2NodeClass both pools use. */
export const NODE_CLASS_NAME = "pipeline";

/** API version and kind of the EC2NodeClass. */
export const NODE_CLASS_TYPE = {
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
} as const;

/** Tag on the private subnets and the node security group that the EC2NodeClass selects by. */
export const DISCOVERY_TAG_KEY = "karpenter.sh/discovery";

/** Grace period of general-pool nodes being drained (the consumer flushes its batch on SIGTERM). */
export const GENERAL_TERMINATION_GRACE = "15m";

/** What the EC2NodeClass is built from. */
export interface NodeClassArgs {
  /** EKS cluster name: the discovery tag value of subnets and security group. */
  readonly clusterName: string;
  /** Name of the node IAM role (Karpenter makes the instance profile for it). */
  readonly nodeRoleName: string;
  /** Pinned AMI alias, `al2023@vYYYYMMDD` or `bottlerocket@vYYYYMMDD`. */
  readonly amiAlias: string;
  /** Size of the encrypted gp3 volume, GiB. */
  readonly volumeGiB: number;
  /** Tags for the instances, volumes and network interfaces Karpenter creates. */
  readonly tags?: Record<string, string>;
}

/** The AMI family of a pinned alias (`al2023`, `bottlerocket`). */
export function amiFamilyOf(alias: string): "al2023" | "bottlerocket" {
  const family = alias.split("@")[0];
  if (family === "al2023" || family === "bottlerocket") return family;
  throw new Error(
    `unsupported AMI alias ${JSON.stringify(alias)}: use al2023@... or bottlerocket@...`,
  );
}

/**
 * Encrypted, deleted-on-termination gp3 volumes. AL2023 boots and runs containers from one root
 * device; Bottlerocket keeps a small OS volume and puts images and pods on a second data volume.
 */
export function blockDevices(alias: string, volumeGiB: number): IBlockDeviceMapping[] {
  const ebs = (size: number) => ({
    volumeSize: `${size}Gi`,
    volumeType: "gp3" as const,
    encrypted: true,
    deleteOnTermination: true,
  });
  if (amiFamilyOf(alias) === "bottlerocket") {
    return [
      { deviceName: "/dev/xvda", ebs: ebs(4) },
      { deviceName: "/dev/xvdb", ebs: ebs(volumeGiB), rootVolume: true },
    ];
  }
  return [{ deviceName: "/dev/xvda", ebs: ebs(volumeGiB), rootVolume: true }];
}

/**
 * The EC2NodeClass: a pinned AMI alias, the cluster's private subnets and node security group by
 * discovery tag, IMDSv2 only with a hop limit of 1 (pods cannot reach the node's credentials; they
 * use Pod Identity), encrypted volumes, no public IPs.
 */
export function buildEc2NodeClass(args: NodeClassArgs): Named<IEC2NodeClass> {
  const discovery = { tags: { [DISCOVERY_TAG_KEY]: args.clusterName } };
  return {
    ...NODE_CLASS_TYPE,
    metadata: { name: NODE_CLASS_NAME },
    spec: {
      role: args.nodeRoleName,
      amiSelectorTerms: [{ alias: args.amiAlias }],
      subnetSelectorTerms: [discovery],
      securityGroupSelectorTerms: [discovery],
      associatePublicIPAddress: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpProtocolIPv6: "disabled",
        httpPutResponseHopLimit: 1,
        httpTokens: "required",
      },
      blockDeviceMappings: blockDevices(args.amiAlias, args.volumeGiB),
      ...(args.tags && Object.keys(args.tags).length ? { tags: { ...args.tags } } : {}),
    },
  };
}

/** The CPU architecture of a container platform (`linux/amd64` → `amd64`). */
export function architectureOf(platform: Settings["image"]["platform"]): "amd64" | "arm64" {
  return platform === "linux/arm64" ? "arm64" : "amd64";
}

/** The pool-specific knobs of a NodePool, read from the settings. */
export interface PoolShape {
  readonly instanceTypes: string[];
  readonly capacityTypes: ("spot" | "on-demand")[];
  readonly cpuLimit: number;
  readonly memoryLimitGiB: number;
  /** How long draining may take before the node is terminated anyway. */
  readonly terminationGracePeriod: string;
}

/**
 * The shape of each pool. Job nodes may take as long to drain as a job may run
 * (`keda.preprocess.activeDeadlineSeconds`), so expiry never cuts a running file short.
 */
export function poolShape(settings: Settings, pool: PoolKind): PoolShape {
  const k = settings.karpenter;
  return pool === "jobs"
    ? {
        instanceTypes: k.jobInstanceTypes,
        capacityTypes: k.jobCapacityTypes,
        cpuLimit: k.jobCpuLimit,
        memoryLimitGiB: k.jobMemoryLimitGiB,
        terminationGracePeriod: `${settings.keda.preprocess.activeDeadlineSeconds}s`,
      }
    : {
        instanceTypes: k.generalInstanceTypes,
        capacityTypes: k.generalCapacityTypes,
        cpuLimit: k.generalCpuLimit,
        memoryLimitGiB: k.generalMemoryLimitGiB,
        terminationGracePeriod: GENERAL_TERMINATION_GRACE,
      };
}

/**
 * Capacity types in the order they are listed: spot before on-demand. With both allowed, Karpenter
 * launches spot (price-capacity-optimized) and falls back to on-demand only when no spot offering
 * can be had, which is the job pool's "spot first, on-demand fallback".
 */
export function orderedCapacityTypes(types: readonly ("spot" | "on-demand")[]): string[] {
  return [...new Set(types)].sort((a, b) => (a === b ? 0 : a === "spot" ? -1 : 1));
}

/** The node requirements of a pool. */
export function poolRequirements(
  shape: PoolShape,
  arch: "amd64" | "arm64",
): INodeSelectorRequirementWithMinValues[] {
  return [
    {
      key: "karpenter.sh/capacity-type",
      operator: "In",
      values: orderedCapacityTypes(shape.capacityTypes),
    },
    { key: "node.kubernetes.io/instance-type", operator: "In", values: [...shape.instanceTypes] },
    { key: "kubernetes.io/arch", operator: "In", values: [arch] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  ];
}

/**
 * How many of a pool's nodes Karpenter may disrupt at once, per reason (the most restrictive budget
 * that applies wins; one without reasons applies to all). Job nodes are never consolidated for
 * being underused, only given back empty: a job pod is one file, and moving it means starting that
 * file again. Running jobs are protected twice over: their `karpenter.sh/do-not-disrupt` pods block
 * consolidation of their node, and drift or expiry waits for them up to the pool's
 * terminationGracePeriod, which is the job's own deadline (Karpenter's well-known annotations: on
 * a pod, do-not-disrupt "blocks consolidation of the Pod's node, and blocks drift unless the
 * NodeClaim sets a terminationGracePeriod"). The general pool loses one node at a time, so the
 * consumer's PodDisruptionBudget and zone spread always have somewhere to go.
 */
export function poolDisruptionBudgets(pool: PoolKind): IBudget[] {
  return pool === "jobs"
    ? [{ nodes: "0", reasons: ["Underutilized"] }, { nodes: "20%" }]
    : [{ nodes: "1" }];
}

/**
 * One NodePool: its nodes carry the pool label (and, for jobs, the taint), are bought within the
 * CPU/memory limits, consolidated when empty or underused after `consolidateAfter`, and replaced
 * after `expireAfter`.
 */
export function buildNodePool(settings: Settings, pool: PoolKind): Named<INodePool> {
  const shape = poolShape(settings, pool);
  const taints = poolTaints(pool).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: NODE_POOL_NAMES[pool] },
    spec: {
      template: {
        metadata: { labels: poolLabels(pool) },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: NODE_CLASS_NAME },
          requirements: poolRequirements(shape, architectureOf(settings.image.platform)),
          ...(taints.length ? { taints } : {}),
          expireAfter: settings.karpenter.expireAfter,
          terminationGracePeriod: shape.terminationGracePeriod,
        },
      },
      limits: { cpu: String(shape.cpuLimit), memory: `${shape.memoryLimitGiB}Gi` },
      disruption: {
        consolidationPolicy: "WhenEmptyOrUnderutilized",
        consolidateAfter: settings.karpenter.consolidateAfter,
        budgets: poolDisruptionBudgets(pool),
      },
    },
  };
}

/** Both NodePools, keyed by pool. */
export function buildNodePools(settings: Settings): Record<PoolKind, Named<INodePool>> {
  return { jobs: buildNodePool(settings, "jobs"), general: buildNodePool(settings, "general") };
}
