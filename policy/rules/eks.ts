/**
 * EKS rules, for both shapes a cluster takes: the `eks:index:Cluster` component's inputs (what a
 * program under mocks shows) and the `aws:eks/cluster:Cluster` it creates (what a preview shows).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  type Props,
  asList,
  forStack,
  identifiersOf,
  forTypes,
  label,
  readKnown,
  refersTo,
  type StackResource,
  type Violation,
} from "../support";

export const AWS_CLUSTER_TYPE = "aws:eks/cluster:Cluster";
export const EKS_CLUSTER_TYPE = "eks:index:Cluster";
export const NODE_GROUP_TYPES = ["aws:eks/nodeGroup:NodeGroup", "eks:index:ManagedNodeGroup"];
export const SUBNET_TYPE = "aws:ec2/subnet:Subnet";
export const LAUNCH_TEMPLATE_TYPE = "aws:ec2/launchTemplate:LaunchTemplate";
export const EC2_NODE_CLASS_TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
/** EKS Auto Mode's NodeClass: its nodes' subnets by ID (or tag). */
export const AUTO_MODE_NODE_CLASS_TYPE = "kubernetes:eks.amazonaws.com/v1:NodeClass";

/**
 * Control-plane log types every cluster ships to CloudWatch: the security trail (API requests, the
 * audit log, authentication decisions). controllerManager and scheduler logs are diagnostics a
 * stack may add.
 */
export const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"] as const;

/** The authentication mode of a cluster, whichever shape it has. */
function authenticationMode(type: string, props: Props): unknown {
  return type === AWS_CLUSTER_TYPE
    ? props.accessConfig?.authenticationMode
    : props.authenticationMode;
}

/** Clusters authenticate through EKS access entries only (no aws-auth ConfigMap). */
export function authModeProblems(props: Props, type: string): string[] {
  const mode = authenticationMode(type, props);
  return mode === "API"
    ? []
    : [
        `authentication mode must be API (access entries, no aws-auth ConfigMap); got ${String(mode)}`,
      ];
}

/** Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key. */
export function secretsEncryptionProblems(props: Props, type: string): string[] {
  if (type === AWS_CLUSTER_TYPE) {
    const config = props.encryptionConfig as
      { resources?: unknown; provider?: { keyArn?: unknown } } | undefined;
    const ok =
      asList(config?.resources as string).includes("secrets") &&
      typeof config?.provider?.keyArn === "string" &&
      config.provider.keyArn !== "";
    return ok ? [] : ["encryptionConfig must encrypt secrets with a KMS key"];
  }
  const key = props.encryptionConfigKeyArn;
  return typeof key === "string" && key !== ""
    ? []
    : ["encryptionConfigKeyArn must name a KMS key that encrypts Kubernetes secrets"];
}

/** All five control-plane log types are enabled. */
export function controlPlaneLogProblems(props: Props): string[] {
  const enabled = asList(props.enabledClusterLogTypes as string);
  const missing = CONTROL_PLANE_LOGS.filter((t) => !enabled.includes(t));
  return missing.length ? [`enabledClusterLogTypes is missing ${missing.join(", ")}`] : [];
}

/**
 * Instance metadata needs a session token (IMDSv2) and cannot be reached from pods through extra
 * hops; node groups pin their metadata settings in a launch template.
 */
export function imdsProblems(props: Props, type: string): string[] {
  if (NODE_GROUP_TYPES.includes(type)) {
    const lt = props.launchTemplate as { id?: unknown; name?: unknown } | undefined;
    return lt && (lt.id || lt.name)
      ? []
      : ["node group must use a launch template that requires IMDSv2"];
  }
  const options = (
    type === EC2_NODE_CLASS_TYPE ? props.spec?.metadataOptions : props.metadataOptions
  ) as { httpTokens?: unknown; httpPutResponseHopLimit?: unknown } | undefined;
  // Karpenter's documented default is httpTokens: required, hop limit 1.
  if (type === EC2_NODE_CLASS_TYPE && options === undefined) return [];
  const problems: string[] = [];
  if (options?.httpTokens !== "required") {
    problems.push(
      `metadataOptions.httpTokens must be "required" (got ${String(options?.httpTokens)})`,
    );
  }
  const hops = options?.httpPutResponseHopLimit;
  if (typeof hops === "number" && hops > 2) {
    problems.push(`metadataOptions.httpPutResponseHopLimit must be at most 2 (got ${hops})`);
  }
  return problems;
}

/**
 * The subnets an Auto Mode NodeClass places nodes in: the stack subnets its `subnetSelectorTerms`
 * name by ID, or (in a preview, before IDs are known) the subnets its spec depends on. Undefined
 * when a term selects by tag, which this rule cannot follow.
 */
function nodeClassSubnets(
  nodeClass: StackResource,
  subnets: readonly StackResource[],
): { used: StackResource[]; declared: number } | undefined {
  const terms = asList(
    readKnown(() => (nodeClass.props.spec as Props | undefined)?.subnetSelectorTerms) as
      { id?: unknown }[] | undefined,
  );
  if (terms.length === 0) {
    const deps = nodeClass.propertyDependencies?.spec ?? [];
    const used = subnets.filter((s) => deps.some((d) => d.urn === s.urn));
    return { used, declared: used.length || 1 };
  }
  if (terms.some((t) => typeof t?.id !== "string")) return undefined;
  const ids = terms.map((t) => String(t.id));
  return {
    used: subnets.filter((s) => identifiersOf(s).some((i) => ids.includes(i))),
    declared: ids.length,
  };
}

/**
 * Worker nodes run in private subnets: every node group's (and EKS Auto Mode NodeClass's) subnets
 * are subnets of this stack that do not map public IPs, and launch templates attach no public
 * address.
 */
export function checkPrivateNodes(resources: readonly StackResource[]): Violation[] {
  const violations: Violation[] = [];
  const subnets = resources.filter((r) => r.type === SUBNET_TYPE);
  for (const group of resources.filter((r) => NODE_GROUP_TYPES.includes(r.type))) {
    const used = subnets.filter((s) => refersTo(group, "subnetIds", s));
    const declared = asList(readKnown(() => group.props.subnetIds) as string[]);
    if (used.length === 0 || used.length < declared.length) {
      violations.push({
        urn: group.urn,
        message: `${label(group)} must run in the stack's own private subnets`,
      });
    }
    for (const s of used.filter((s) => readKnown(() => s.props.mapPublicIpOnLaunch) === true)) {
      violations.push({
        urn: group.urn,
        message: `${label(group)} uses public subnet ${label(s)} (mapPublicIpOnLaunch)`,
      });
    }
  }
  for (const nc of resources.filter((r) => r.type === AUTO_MODE_NODE_CLASS_TYPE)) {
    const found = nodeClassSubnets(nc, subnets);
    if (!found || found.used.length === 0 || found.used.length < found.declared) {
      violations.push({
        urn: nc.urn,
        message: `${label(nc)} must select the stack's own private subnets by ID`,
      });
      continue;
    }
    for (const s of found.used.filter(
      (s) => readKnown(() => s.props.mapPublicIpOnLaunch) === true,
    )) {
      violations.push({
        urn: nc.urn,
        message: `${label(nc)} uses public subnet ${label(s)} (mapPublicIpOnLaunch)`,
      });
    }
  }
  for (const lt of resources.filter((r) => r.type === LAUNCH_TEMPLATE_TYPE)) {
    const nics = asList(readKnown(() => lt.props.networkInterfaces) as Record<string, unknown>[]);
    if (nics.some((n) => String(n?.associatePublicIpAddress) === "true")) {
      violations.push({ urn: lt.urn, message: `${label(lt)} gives nodes a public IP address` });
    }
  }
  return violations;
}

/**
 * An `eks.Cluster` component either skips its built-in self-managed node group (nodes come from
 * managed node groups and Karpenter) or keeps those nodes off public IP addresses, and an Auto Mode
 * one with built-in node pools has no public subnets. Checked on the
 * component's inputs: its outputs do not repeat them, and under mocks it has no children.
 */
export function defaultNodeGroupProblems(props: Props): string[] {
  const problems: string[] = [];
  if (props.skipDefaultNodeGroup !== true && props.nodeAssociatePublicIpAddress !== false)
    problems.push("set skipDefaultNodeGroup: true, or nodeAssociatePublicIpAddress: false");
  // Auto Mode's built-in pools (both when nodePools is not given) launch nodes through the default
  // NodeClass, which takes every subnet of the cluster (aws/containers-roadmap#2793).
  const auto = props.autoMode as { enabled?: unknown; computeConfig?: Props } | undefined;
  const pools = auto?.computeConfig?.nodePools;
  const builtInPools = !Array.isArray(pools) || pools.length > 0;
  if (auto?.enabled === true && builtInPools && asList(props.publicSubnetIds).length > 0) {
    problems.push(
      "Auto Mode's built-in node pools put nodes in every subnet of the cluster: give it no publicSubnetIds, or turn the built-in pools off (computeConfig.nodePools: [])",
    );
  }
  return problems;
}

const CLUSTERS = [AWS_CLUSTER_TYPE, EKS_CLUSTER_TYPE];

export const eksPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: "eks-private-nodes",
    description: "EKS worker nodes run in private subnets without public IP addresses.",
    enforcementLevel: "mandatory",
    validateStack: forStack(
      [...NODE_GROUP_TYPES, LAUNCH_TEMPLATE_TYPE, AUTO_MODE_NODE_CLASS_TYPE],
      checkPrivateNodes,
    ),
  },
  {
    name: "eks-default-nodes-private",
    description:
      "An eks.Cluster skips its built-in node group or gives those nodes no public IP addresses; with Auto Mode's built-in pools it has no public subnets.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([EKS_CLUSTER_TYPE], defaultNodeGroupProblems),
  },
  {
    name: "eks-api-authentication-mode",
    description: "EKS clusters use the API authentication mode (access entries).",
    enforcementLevel: "mandatory",
    validateResource: forTypes(CLUSTERS, (props, args) => authModeProblems(props, args.type)),
  },
  {
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(CLUSTERS, (props, args) =>
      secretsEncryptionProblems(props, args.type),
    ),
  },
  {
    name: "eks-control-plane-logs",
    description:
      "EKS clusters send the api, audit and authenticator control-plane logs to CloudWatch.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(CLUSTERS, controlPlaneLogProblems),
  },
  {
    name: "eks-imdsv2",
    description:
      "Nodes require IMDSv2 with a hop limit of at most 2 (launch templates, managed node groups, Karpenter EC2NodeClasses).",
    enforcementLevel: "mandatory",
    validateResource: forTypes(
      [LAUNCH_TEMPLATE_TYPE, EC2_NODE_CLASS_TYPE, ...NODE_GROUP_TYPES],
      (props, args) => imdsProblems(props, args.type),
    ),
  },
];
