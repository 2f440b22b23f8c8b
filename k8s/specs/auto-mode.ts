/**
 * EKS Auto Mode's node configuration for the preprocess jobs: one NodeClass (`eks.amazonaws.com/v1`,
 * Auto Mode's own kind, not Karpenter's EC2NodeClass: AWS picks the AMI, IMDS and the kubelet) and
 * one NodePool (`karpenter.sh/v1`, Karpenter's kind, which Auto Mode reads) with the same label,
 * taint, limits, capacity order and disruption budgets as Karpenter's jobs pool. The producer and
 * consumer use Auto Mode's built-in general-purpose pool. Pure builders.
 *
 * NodeClass fields: docs.aws.amazon.com/eks/latest/userguide/create-node-class.html ("Node Class
 * Specification"); NodePool labels: …/create-node-pool.html ("EKS Auto Mode Supported Labels").
 */
import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import type { Settings } from "../../config";
import { buildNodePool, NODE_CLASS_NAME, type Named } from "./node-pools";

/** API version and kind of Auto Mode's NodeClass. */
export const AUTO_MODE_NODE_CLASS_TYPE = {
  apiVersion: "eks.amazonaws.com/v1",
  kind: "NodeClass",
} as const;

/** The NodePool's reference to the NodeClass (AWS reserves the name `default` for its own). */
export const AUTO_MODE_NODE_CLASS_REF = {
  group: "eks.amazonaws.com",
  kind: "NodeClass",
  name: NODE_CLASS_NAME,
} as const;

/** A selector term of subnets or security groups: by ID, by tags, or (groups only) by name. */
export interface AutoModeSelectorTerm {
  readonly id?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly name?: string;
}

/** The documented spec of an Auto Mode NodeClass (the fields this program may set). */
export interface AutoModeNodeClassSpec {
  /** Name of the nodes' IAM role. */
  readonly role: string;
  readonly subnetSelectorTerms: readonly AutoModeSelectorTerm[];
  readonly securityGroupSelectorTerms: readonly AutoModeSelectorTerm[];
  readonly snatPolicy?: "Random" | "Disabled";
  readonly networkPolicy?: "DefaultAllow" | "DefaultDeny";
  readonly networkPolicyEventLogs?: "Enabled" | "Disabled";
  readonly ephemeralStorage?: {
    readonly size?: string;
    readonly iops?: number;
    readonly throughput?: number;
    readonly kmsKeyID?: string;
  };
  readonly tags?: Readonly<Record<string, string>>;
}

/** An Auto Mode NodeClass object. */
export interface AutoModeNodeClass {
  readonly apiVersion: typeof AUTO_MODE_NODE_CLASS_TYPE.apiVersion;
  readonly kind: typeof AUTO_MODE_NODE_CLASS_TYPE.kind;
  readonly metadata: { readonly name: string };
  readonly spec: AutoModeNodeClassSpec;
}

/** What the NodeClass is built from. */
export interface AutoModeNodeClassArgs {
  /** Name of the node role: the cluster's Auto Mode node role, whose access entry EKS made. */
  readonly nodeRoleName: string;
  /** The private subnets (nodes never get a public address there). */
  readonly subnetIds: readonly string[];
  /** The cluster security group EKS created. */
  readonly securityGroupIds: readonly string[];
  /** Ephemeral storage of each node, GiB (encrypted with the AWS managed EBS key by default). */
  readonly volumeGiB: number;
}

/** Baseline gp3 performance, the NodeClass's documented defaults, written out to pin them. */
export const AUTO_MODE_STORAGE_IOPS = 3000;
export const AUTO_MODE_STORAGE_THROUGHPUT = 125;

/**
 * The jobs' NodeClass: the private subnets and cluster security group by ID (exact, no tag
 * discovery), the cluster's Auto Mode node role (so EKS's own access entry for it covers these
 * nodes: create-node-class.html, "Create node class access entry"), network policies enforced as on
 * the built-in class (pods no policy selects are allowed; the workloads namespace has its own), and
 * the scratch volume size. No `tags`: Auto Mode's managed policies do not permit user tags on the
 * instances it launches, and granting that would widen the cluster role (auto-learn-iam.html,
 * "Custom AWS tags for EKS Auto resources"). IMDSv2 with a hop limit of 1 is Auto Mode's fixed
 * default (automode-learn-instances.html, "Instance Metadata Service").
 */
export function buildAutoModeNodeClass(args: AutoModeNodeClassArgs): AutoModeNodeClass {
  return {
    ...AUTO_MODE_NODE_CLASS_TYPE,
    metadata: { name: NODE_CLASS_NAME },
    spec: {
      role: args.nodeRoleName,
      subnetSelectorTerms: args.subnetIds.map((id) => ({ id })),
      securityGroupSelectorTerms: args.securityGroupIds.map((id) => ({ id })),
      snatPolicy: "Random",
      networkPolicy: "DefaultAllow",
      networkPolicyEventLogs: "Disabled",
      ephemeralStorage: {
        size: `${args.volumeGiB}Gi`,
        iops: AUTO_MODE_STORAGE_IOPS,
        throughput: AUTO_MODE_STORAGE_THROUGHPUT,
      },
    },
  };
}

/** Node requirement keys Auto Mode does not support (it runs Linux only; create-node-pool.html). */
export const AUTO_MODE_UNSUPPORTED_LABELS: readonly string[] = ["kubernetes.io/os"];

/**
 * The jobs' Auto Mode NodePool: Karpenter's jobs pool (label, taint, spot-first capacity types,
 * instance types, architecture, limits, expiry, termination grace, disruption budgets) pointed at
 * the Auto Mode NodeClass, without the requirement keys Auto Mode rejects.
 */
export function buildAutoModeJobPool(settings: Settings): Named<INodePool> {
  const pool = buildNodePool(settings, "jobs");
  const template = pool.spec.template;
  return {
    ...pool,
    spec: {
      ...pool.spec,
      template: {
        ...template,
        spec: {
          ...template.spec,
          nodeClassRef: { ...AUTO_MODE_NODE_CLASS_REF },
          requirements: template.spec.requirements.filter(
            (r) => !AUTO_MODE_UNSUPPORTED_LABELS.includes(r.key),
          ),
        },
      },
    },
  };
}

/**
 * The ConfigMap that turns on Auto Mode's network policy controller; without it the workloads'
 * NetworkPolicies are not enforced (docs.aws.amazon.com/eks/latest/userguide/auto-net-pol.html,
 * "Step 1: Enable Network Policy Controller").
 */
export function autoModeNetworkPolicyConfigMap() {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "amazon-vpc-cni", namespace: "kube-system" },
    data: { "enable-network-policy-controller": "true" },
  } as const;
}
