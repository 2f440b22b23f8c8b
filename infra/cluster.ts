/**
 * The EKS cluster: access entries only (authentication mode API), control-plane logs with a retention,
 * Kubernetes secrets envelope-encrypted with a rotating KMS key, a managed node group in the private
 * subnets with IMDSv2 enforced, and the Pod Identity agent; plus a Kubernetes provider for the
 * cluster's kubeconfig (nothing relies on a local kubeconfig).
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keyPolicy } from "./iam/documents";
import type { Settings } from "../config";

/** Control-plane log types sent to CloudWatch: API calls, the audit trail, authentication. */
export const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"] as const;

/**
 * IMDS hop limit of the nodes. 1 keeps pods (one hop further away) off the instance metadata service
 * and thus off the node role's credentials; pods get their own credentials from the Pod Identity
 * agent (169.254.170.23, not IMDS), and host-network system pods still reach IMDS.
 */
export const IMDS_HOP_LIMIT = 1;

/** AWS-managed policies of the node role: join the cluster, pull images, run the VPC CNI. */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonEKS_CNI_Policy",
] as const;

/**
 * What IAM policies may grant on the secrets key: EKS encrypts and decrypts through a grant the
 * cluster creator makes when the cluster is created.
 */
export const SECRETS_KEY_USAGE = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:CreateGrant",
  "kms:ListGrants",
] as const;

/** Cluster-admin access policy for the principals in `cluster.adminPrincipalArns`. */
export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

/**
 * Access policy of the principals in `cluster.previewPrincipalArns`: read everything, change
 * nothing. What `pulumi preview` of this program reads: the live objects the Kubernetes provider
 * diffs against (with server-side apply it first tries a dry-run patch, which Kubernetes authorises
 * as a patch; when that is forbidden it falls back to a client-side diff, pulumi/pulumi-kubernetes#2419),
 * the custom resources (KEDA ScaledObject/ScaledJob/TriggerAuthentication, Karpenter NodePool and
 * EC2NodeClass), the server version and the releases' records, which Helm keeps in Secrets of the
 * release namespace (a Helm Release preview fails without cluster access,
 * pulumi/pulumi-kubernetes#2236). AmazonEKSViewPolicy would be narrower but excludes Secrets and
 * the custom resources that are not aggregated to `view`; AmazonEKSAdminViewPolicy lists and reads
 * every resource, Secrets included, and grants no write verb
 * (https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html).
 */
export const CLUSTER_PREVIEW_POLICY = "AmazonEKSAdminViewPolicy";

/**
 * The access entries besides the creator's (which pulumi-eks makes for the deploying principal:
 * never list the deploy role here, a second entry for it would collide): cluster admins, and the
 * read-only preview principals.
 */
export function extraAccessEntries(
  c: Pick<Settings["cluster"], "adminPrincipalArns" | "previewPrincipalArns">,
  partition: pulumi.Input<string>,
): Record<string, eks.types.input.AccessEntryArgs> {
  const entry = (principalArn: string, key: string, policy: string) => ({
    principalArn,
    accessPolicies: {
      [key]: {
        policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${policy}`,
        accessScope: { type: "cluster" },
      },
    },
  });
  return {
    ...Object.fromEntries(
      c.adminPrincipalArns.map((arn, i) => [
        `admin-${i + 1}`,
        entry(arn, "admin", CLUSTER_ADMIN_POLICY),
      ]),
    ),
    ...Object.fromEntries(
      c.previewPrincipalArns.map((arn, i) => [
        `preview-${i + 1}`,
        entry(arn, "preview", CLUSTER_PREVIEW_POLICY),
      ]),
    ),
  };
}

export interface ClusterArgs {
  /** Cluster settings (version, endpoint access, node group, add-on version, log retention). */
  readonly cluster: Settings["cluster"];
  /** Physical name of the cluster (also in the subnets' Karpenter discovery tag). */
  readonly clusterName: string;
  readonly vpcId: pulumi.Input<string>;
  /** Subnets of the nodes (private only). */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Subnets for internet-facing load balancers. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/** The AMI type of a node group: Graviton instance types (`m7g`, `c6gn`, `t4g`…) need ARM AMIs. */
export function amiTypeFor(instanceTypes: readonly string[]): string {
  const arm = instanceTypes.map((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
  if (arm.some((a) => a) && !arm.every((a) => a)) {
    throw new Error(
      `cluster.nodeGroup.instanceTypes mixes ARM and x86 types (${instanceTypes.join(", ")}); one node group needs one architecture`,
    );
  }
  return arm[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** The node trust policy: EC2 instances only. */
export function nodeTrustPolicy(): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowEc2Instances",
        Effect: "Allow",
        Principal: { Service: "ec2.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ],
  };
}

/** A node role and its worker-policy attachments. */
export interface NodeRole {
  readonly role: aws.iam.Role;
  readonly attachments: aws.iam.RolePolicyAttachment[];
}

/**
 * A role for EC2 nodes (trusted by EC2 only) with {@link NODE_MANAGED_POLICIES}: the managed node
 * group's and Karpenter's nodes each get one, named `${name}-node` under `parent`.
 */
export function createNodeRole(
  name: string,
  args: {
    readonly description: pulumi.Input<string>;
    readonly partition: pulumi.Input<string>;
    readonly tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): NodeRole {
  const role = new aws.iam.Role(
    `${name}-node`,
    {
      description: args.description,
      assumeRolePolicy: JSON.stringify(nodeTrustPolicy()),
      tags: args.tags,
    },
    { parent },
  );
  const attachments = NODE_MANAGED_POLICIES.map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-node-${policy}`,
        {
          role: role.name,
          policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`,
        },
        { parent: role },
      ),
  );
  return { role, attachments };
}

/** The EKS cluster, its node group, secrets key, Pod Identity agent and Kubernetes provider. */
export class Cluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  public readonly clusterArn: pulumi.Output<string>;
  /** API server URL (the orchestrated variant's `eks:runJob` calls it). */
  public readonly endpoint: pulumi.Output<string>;
  /** Base64 PEM of the cluster's certificate authority. */
  public readonly certificateAuthority: pulumi.Output<string>;
  /** Kubeconfig (JSON, exec-based `aws eks get-token`); secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Provider for every Kubernetes resource of the program. */
  public readonly provider: k8s.Provider;
  public readonly nodeRole: aws.iam.Role;
  /** Security group EKS created for the control plane and attached to the managed nodes. */
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Security group of the nodes (the same cluster security group: the nodes use EKS's own). */
  public readonly nodeSecurityGroupId: pulumi.Output<string>;
  public readonly secretsKeyArn: pulumi.Output<string>;
  public readonly nodeGroup: aws.eks.NodeGroup;
  /** The Pod Identity agent; workloads that use Pod Identity depend on it. */
  public readonly podIdentityAgent: aws.eks.Addon;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Cluster", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const c = args.cluster;
    const ng = c.nodeGroup;
    const partition = aws.getPartitionOutput({}, self).partition;
    const accountId = aws.getCallerIdentityOutput({}, self).accountId;

    const secretsKey = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify(keyPolicy({ partition, accountId, usage: SECRETS_KEY_USAGE })),
        tags,
      },
      self,
    );
    // EKS writes to this group; creating it first sets the retention (EKS would keep logs forever).
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        retentionInDays: c.logRetentionDays,
        tags,
      },
      self,
    );

    const cluster = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: c.kubernetesVersion,
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        publicSubnetIds: args.publicSubnetIds,
        nodeAssociatePublicIpAddress: false,
        endpointPrivateAccess: true,
        endpointPublicAccess: c.endpointPublicAccess,
        publicAccessCidrs: c.endpointPublicAccess ? c.publicAccessCidrs : undefined,
        // Access entries only; pulumi-eks bootstraps the creator (the deploying principal) as
        // cluster admin through one, further admins and the read-only preview roles come from
        // settings.
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: extraAccessEntries(c, partition),
        enabledClusterLogTypes: [...CONTROL_PLANE_LOGS],
        encryptionConfigKeyArn: secretsKey.arn,
        // Nodes come from the managed node group below (and Karpenter), with a role made here.
        skipDefaultNodeGroup: true,
        // The managed nodes use the security group EKS creates; no extra pulumi-eks groups.
        skipDefaultSecurityGroups: true,
        // Pod Identity, not IRSA: no OIDC provider.
        createOidcProvider: false,
        // The workloads' NetworkPolicies are only enforced when the VPC CNI runs its policy agent.
        vpcCniOptions: { enableNetworkPolicy: true },
        tags,
      },
      { ...self, dependsOn: [logGroup] },
    );

    this.clusterName = cluster.eksCluster.name;
    this.clusterArn = cluster.eksCluster.arn;
    this.endpoint = cluster.eksCluster.endpoint;
    this.certificateAuthority = cluster.eksCluster.certificateAuthority.data;
    this.clusterSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
    this.nodeSecurityGroupId = this.clusterSecurityGroupId;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.secretsKeyArn = secretsKey.arn;
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      self,
    );

    const { role: nodeRole, attachments } = createNodeRole(
      name,
      { description: `Nodes of ${args.clusterName}`, partition, tags },
      this,
    );
    this.nodeRole = nodeRole;

    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Managed nodes of ${args.clusterName}: IMDSv2 only, encrypted gp3 root volume`,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: IMDS_HOP_LIMIT,
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: ng.diskSizeGiB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        tagSpecifications: [
          { resourceType: "instance", tags: { ...tags, Name: `${args.clusterName}-system` } },
          { resourceType: "volume", tags: { ...tags, Name: `${args.clusterName}-system` } },
        ],
        tags,
      },
      self,
    );

    this.nodeGroup = new aws.eks.NodeGroup(
      `${name}-system`,
      {
        clusterName: this.clusterName,
        nodeRoleArn: this.nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        amiType: amiTypeFor(ng.instanceTypes),
        instanceTypes: ng.instanceTypes,
        capacityType: ng.capacityType,
        scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: {
          id: launchTemplate.id,
          version: launchTemplate.latestVersion.apply(String),
        },
        labels: { "pipeline/pool": "system" },
        tags,
      },
      { ...self, dependsOn: attachments },
    );

    // A DaemonSet: it needs nodes to become ACTIVE.
    this.podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: this.clusterName,
        addonName: "eks-pod-identity-agent",
        addonVersion: c.podIdentityAgentVersion,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags,
      },
      { ...self, dependsOn: [this.nodeGroup] },
    );

    this.registerOutputs({
      clusterName: this.clusterName,
      clusterArn: this.clusterArn,
      kubeconfig: this.kubeconfig,
      nodeRoleArn: this.nodeRole.arn,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
    });
  }
}
