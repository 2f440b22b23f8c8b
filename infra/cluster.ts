/**
 * The EKS cluster: access entries only (authentication mode API), control-plane logs with a retention,
 * Kubernetes secrets envelope-encrypted with a rotating KMS key, a managed node group in the private
 * subnets with IMDSv2 enforced, and the Pod Identity agent; plus a Kubernetes provider for the
 * cluster's kubeconfig (nothing relies on a local kubeconfig). With `nodeAutoscaling: auto-mode`,
 * EKS Auto Mode instead: its cluster and node roles, the built-in general-purpose pool, and no
 * node group or add-ons of ours (Auto Mode runs them itself, see {@link autoModeClusterArgs}).
 */
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keyPolicy } from "./iam/documents";
import { autoModeClusterArgs, createAutoModeRoles } from "./auto-mode/cluster";
import { createNodeRole } from "./node-role";
import type { Settings } from "../config";

/** Control-plane log types sent to CloudWatch: API calls, the audit trail, authentication. */
export const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator"] as const;

/**
 * IMDS hop limit of the nodes. 1 keeps pods (one hop further away) off the instance metadata service
 * and thus off the node role's credentials; pods get their own credentials from the Pod Identity
 * agent (169.254.170.23, not IMDS), and host-network system pods still reach IMDS.
 */
export const IMDS_HOP_LIMIT = 1;

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
  /** `auto-mode` makes an EKS Auto Mode cluster; anything else a managed node group. */
  readonly nodeAutoscaling?: Settings["nodeAutoscaling"];
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

export { createNodeRole, NODE_MANAGED_POLICIES, nodeTrustPolicy, type NodeRole } from "./node-role";

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
  /** The managed node group (none under Auto Mode). */
  public readonly nodeGroup?: aws.eks.NodeGroup;
  /** The Pod Identity agent add-on (none under Auto Mode, whose nodes run the agent themselves). */
  public readonly podIdentityAgent?: aws.eks.Addon;
  /** What system pods need before they can be scheduled: the node group, or nothing (Auto Mode). */
  public readonly systemNodes: pulumi.Resource[];
  /** What Pod Identity needs before a pod's first AWS call: the agent add-on, or nothing (Auto Mode). */
  public readonly podIdentityReady: pulumi.Resource[];
  /** Whether this is an EKS Auto Mode cluster. */
  public readonly autoMode: boolean;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Cluster", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const c = args.cluster;
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

    this.autoMode = args.nodeAutoscaling === "auto-mode";
    const autoRoles = this.autoMode
      ? createAutoModeRoles(name, { clusterName: args.clusterName, partition, tags }, this)
      : undefined;

    const cluster = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: c.kubernetesVersion,
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        // Auto Mode's built-in pool launches nodes through its default NodeClass, which takes every
        // subnet the cluster has, fixed at creation (aws/containers-roadmap#2793,
        // terraform-aws-modules/terraform-aws-eks#3284): an Auto Mode cluster gets the private ones
        // only (nothing here needs a public load balancer).
        publicSubnetIds: this.autoMode ? undefined : args.publicSubnetIds,
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
        // Nodes come from the managed node group below (and Karpenter) or Auto Mode, with a role
        // made here.
        skipDefaultNodeGroup: true,
        // The nodes use the security group EKS creates; no extra pulumi-eks groups.
        skipDefaultSecurityGroups: true,
        // Pod Identity, not IRSA: no OIDC provider.
        createOidcProvider: false,
        ...(autoRoles
          ? autoModeClusterArgs({ cluster: autoRoles.cluster, nodeRoleArn: autoRoles.node.arn })
          : // The workloads' NetworkPolicies are only enforced when the VPC CNI runs its policy
            // agent.
            { vpcCniOptions: { enableNetworkPolicy: true } }),
        tags,
      },
      { ...self, dependsOn: [logGroup, ...(autoRoles?.attachments ?? [])] },
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

    if (autoRoles) {
      this.nodeRole = autoRoles.node;
      this.systemNodes = [];
      this.podIdentityReady = [];
    } else {
      const managed = this.managedNodes(name, args, partition);
      this.nodeRole = managed.nodeRole;
      this.nodeGroup = managed.nodeGroup;
      this.podIdentityAgent = managed.podIdentityAgent;
      this.systemNodes = [managed.nodeGroup];
      this.podIdentityReady = [managed.podIdentityAgent];
    }

    this.registerOutputs({
      clusterName: this.clusterName,
      clusterArn: this.clusterArn,
      kubeconfig: this.kubeconfig,
      nodeRoleArn: this.nodeRole.arn,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
    });
  }

  /** The managed node group (IMDSv2, encrypted gp3), its role, and the Pod Identity agent. */
  private managedNodes(name: string, args: ClusterArgs, partition: pulumi.Output<string>) {
    const self = { parent: this };
    const tags = args.tags ?? {};
    const c = args.cluster;
    const ng = c.nodeGroup;
    const { role: nodeRole, attachments } = createNodeRole(
      name,
      { description: `Nodes of ${args.clusterName}`, partition, tags },
      this,
    );

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

    const nodeGroup = new aws.eks.NodeGroup(
      `${name}-system`,
      {
        clusterName: this.clusterName,
        nodeRoleArn: nodeRole.arn,
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
    const podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: this.clusterName,
        addonName: "eks-pod-identity-agent",
        addonVersion: c.podIdentityAgentVersion,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags,
      },
      { ...self, dependsOn: [nodeGroup] },
    );
    return { nodeRole, nodeGroup, podIdentityAgent };
  }
}
