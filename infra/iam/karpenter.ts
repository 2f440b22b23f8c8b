/**
 * IAM documents for Karpenter, built as pure functions over plain strings: the controller policy
 * (Karpenter v1's documented controller permissions, scoped to one cluster by tag conditions) and
 * the interruption queue's resource policy. The Karpenter node role (a role of its own) takes its
 * trust policy and worker policies from infra/cluster.ts, the controller's Pod Identity trust comes
 * from infra/identity.ts.
 *
 * The controller statements follow the policy Karpenter publishes for v1 (the getting-started
 * CloudFormation template, split upstream into NodeLifecycle, IAMIntegration, EKSIntegration,
 * Interruption and ResourceDiscovery policies): same Sids, same actions, same condition keys.
 * Two statements are tighter than upstream: `pricing:GetProducts` and `iam:ListInstanceProfiles`
 * accept no resource ARN, so they keep `Resource: "*"` but gain an `aws:RequestedRegion` condition
 * (see {@link WILDCARD_RESOURCE_CONDITIONS}).
 */
import {
  eventBridgeRulesQueuePolicy,
  type PolicyDocument,
  type PolicyStatement,
} from "./documents";

/** An IAM condition block: operator → key → value(s). */
type PolicyCondition = NonNullable<PolicyStatement["Condition"]>;

/** What the controller policy is scoped to. All plain strings (resolve Outputs before calling). */
export interface ControllerPolicyArgs {
  /** AWS partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  /** Region of the cluster; every EC2 and SSM ARN is pinned to it. */
  readonly region: string;
  /** Account that owns the cluster (instance profiles, the cluster ARN). */
  readonly accountId: string;
  /** EKS cluster name: the tag values every write is conditioned on. */
  readonly clusterName: string;
  /** ARN of the cluster (eks:DescribeCluster). */
  readonly clusterArn: string;
  /** ARN of the node role Karpenter puts in instance profiles: the only role it may pass. */
  readonly nodeRoleArn: string;
  /** ARN of the interruption queue it consumes. */
  readonly interruptionQueueArn: string;
}

/**
 * Region of the AWS Price List endpoint Karpenter calls for a cluster region (Karpenter's own rule:
 * `ap-*` → ap-south-1, `cn-*` → cn-northwest-1, `eu-*` → eu-central-1, everything else us-east-1).
 */
export function pricingApiRegion(region: string): string {
  if (region.startsWith("ap-")) return "ap-south-1";
  if (region.startsWith("cn-")) return "cn-northwest-1";
  if (region.startsWith("eu-")) return "eu-central-1";
  return "us-east-1";
}

/** Region that requests to a partition's global IAM endpoint are signed for. */
export function iamEndpointRegion(partition: string): string {
  if (partition === "aws-cn") return "cn-north-1";
  if (partition === "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

/**
 * Why each `Resource: "*"` statement of the controller policy is acceptable: the action has no
 * resource-level permission, so the statement is bounded by the named condition key instead.
 * A test requires every wildcard-resource statement to be listed here and to carry its key.
 */
export const WILDCARD_RESOURCE_CONDITIONS: Readonly<
  Record<string, { readonly key: string; readonly why: string }>
> = {
  AllowRegionalReadActions: {
    key: "aws:RequestedRegion",
    why: "EC2 Describe* calls accept no resource ARN; they are read-only and limited to the cluster's region",
  },
  AllowPricingReadActions: {
    key: "aws:RequestedRegion",
    why: "pricing:GetProducts accepts no resource ARN; limited to the one Price List endpoint Karpenter uses for this region",
  },
  AllowUnscopedInstanceProfileListAction: {
    key: "aws:RequestedRegion",
    why: "iam:ListInstanceProfiles accepts no resource ARN (Karpenter's instance-profile garbage collector lists them); read-only, limited to the partition's IAM endpoint or the cluster's region",
  },
};

/**
 * Karpenter v1's controller policy for one cluster. EC2 writes require the cluster's
 * `kubernetes.io/cluster/<name>: owned` and `karpenter.sh/nodepool` tags on the request or the
 * resource, instance profiles require the `karpenter.k8s.aws/ec2nodeclass` tag, and `iam:PassRole`
 * names the node role only.
 */
export function buildControllerPolicy(a: ControllerPolicyArgs): PolicyDocument {
  const ec2 = (resource: string, account = "*") =>
    `arn:${a.partition}:ec2:${a.region}:${account}:${resource}`;
  const instanceProfiles = `arn:${a.partition}:iam::${a.accountId}:instance-profile/*`;
  const clusterTag = `kubernetes.io/cluster/${a.clusterName}`;
  const taggedResources = [
    ec2("fleet/*"),
    ec2("instance/*"),
    ec2("volume/*"),
    ec2("network-interface/*"),
    ec2("launch-template/*"),
    ec2("spot-instances-request/*"),
  ];
  const ownedByNodePool: PolicyCondition = {
    StringEquals: { [`aws:ResourceTag/${clusterTag}`]: "owned" },
    StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
  };
  const requestTagsForNodePool: PolicyCondition = {
    StringEquals: {
      [`aws:RequestTag/${clusterTag}`]: "owned",
      "aws:RequestTag/eks:eks-cluster-name": a.clusterName,
    },
    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
  };
  return {
    Version: "2012-10-17",
    Statement: [
      // --- Node lifecycle: launch, tag and terminate this cluster's instances only.
      {
        Sid: "AllowScopedEC2InstanceAccessActions",
        Effect: "Allow",
        // Shared inputs of a launch (AMIs, snapshots, subnets, security groups, reservations,
        // placement groups) in this region; what gets launched is bounded by the statements below.
        Resource: [
          ec2("image/*", ""),
          ec2("snapshot/*", ""),
          ec2("security-group/*"),
          ec2("subnet/*"),
          ec2("capacity-reservation/*"),
          ec2("placement-group/*"),
        ],
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      },
      {
        Sid: "AllowScopedEC2LaunchTemplateAccessActions",
        Effect: "Allow",
        Resource: ec2("launch-template/*"),
        Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        Condition: ownedByNodePool,
      },
      {
        Sid: "AllowScopedEC2InstanceActionsWithTags",
        Effect: "Allow",
        Resource: taggedResources,
        Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
        Condition: requestTagsForNodePool,
      },
      {
        Sid: "AllowScopedResourceCreationTagging",
        Effect: "Allow",
        Resource: taggedResources,
        Action: "ec2:CreateTags",
        Condition: {
          StringEquals: {
            ...requestTagsForNodePool.StringEquals,
            "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
          },
          StringLike: requestTagsForNodePool.StringLike ?? {},
        },
      },
      {
        Sid: "AllowScopedResourceTagging",
        Effect: "Allow",
        Resource: ec2("instance/*"),
        Action: "ec2:CreateTags",
        Condition: {
          ...ownedByNodePool,
          StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": a.clusterName },
          "ForAllValues:StringEquals": {
            "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
          },
        },
      },
      {
        Sid: "AllowScopedDeletion",
        Effect: "Allow",
        Resource: [ec2("instance/*"), ec2("launch-template/*")],
        Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
        Condition: ownedByNodePool,
      },
      // --- IAM integration: pass the node role, manage the instance profiles it creates for it.
      {
        Sid: "AllowPassingInstanceRole",
        Effect: "Allow",
        Resource: a.nodeRoleArn,
        Action: "iam:PassRole",
        Condition: {
          StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileCreationActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: "iam:CreateInstanceProfile",
        Condition: {
          StringEquals: {
            [`aws:RequestTag/${clusterTag}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": a.clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": a.region,
          },
          StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileTagActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: "iam:TagInstanceProfile",
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${clusterTag}`]: "owned",
            "aws:ResourceTag/topology.kubernetes.io/region": a.region,
            [`aws:RequestTag/${clusterTag}`]: "owned",
            "aws:RequestTag/eks:eks-cluster-name": a.clusterName,
            "aws:RequestTag/topology.kubernetes.io/region": a.region,
          },
          StringLike: {
            "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
            "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
          },
        },
      },
      {
        Sid: "AllowScopedInstanceProfileActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: [
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
          "iam:DeleteInstanceProfile",
        ],
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${clusterTag}`]: "owned",
            "aws:ResourceTag/topology.kubernetes.io/region": a.region,
          },
          StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
        },
      },
      // --- EKS integration and interruption handling.
      {
        Sid: "AllowAPIServerEndpointDiscovery",
        Effect: "Allow",
        Resource: a.clusterArn,
        Action: "eks:DescribeCluster",
      },
      {
        Sid: "AllowInterruptionQueueActions",
        Effect: "Allow",
        Resource: a.interruptionQueueArn,
        Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      },
      // --- Resource discovery (read-only).
      {
        Sid: "AllowRegionalReadActions",
        Effect: "Allow",
        Resource: "*",
        Action: [
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstanceTypeOfferings",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribePlacementGroups",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSpotPriceHistory",
          "ec2:DescribeSubnets",
        ],
        Condition: { StringEquals: { "aws:RequestedRegion": a.region } },
      },
      {
        Sid: "AllowSSMReadActions",
        Effect: "Allow",
        // The public parameters that publish EKS-optimized AMI ids.
        Resource: `arn:${a.partition}:ssm:${a.region}::parameter/aws/service/*`,
        Action: "ssm:GetParameter",
      },
      {
        Sid: "AllowPricingReadActions",
        Effect: "Allow",
        Resource: "*",
        Action: "pricing:GetProducts",
        Condition: { StringEquals: { "aws:RequestedRegion": pricingApiRegion(a.region) } },
      },
      {
        Sid: "AllowUnscopedInstanceProfileListAction",
        Effect: "Allow",
        Resource: "*",
        Action: "iam:ListInstanceProfiles",
        Condition: {
          // IAM requests go to the partition's global endpoint; a regional endpoint signs for the
          // cluster's region. Either way the call stays in this partition.
          StringEquals: {
            "aws:RequestedRegion": [...new Set([iamEndpointRegion(a.partition), a.region])],
          },
        },
      },
      {
        Sid: "AllowInstanceProfileReadActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: "iam:GetInstanceProfile",
      },
    ],
  };
}

/**
 * The interruption queue's policy: EventBridge may send only on behalf of the given rules, and any
 * request without TLS is denied.
 */
export function buildInterruptionQueuePolicy(queueArn: string, ruleArns: string[]): PolicyDocument {
  return eventBridgeRulesQueuePolicy("AllowEventBridgeRules", queueArn, [...ruleArns].sort());
}
