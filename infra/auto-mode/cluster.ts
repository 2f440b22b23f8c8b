/**
 * The EKS Auto Mode side of the cluster: its two IAM roles (documents in `infra/iam/auto-mode.ts`)
 * and the eks.Cluster arguments that turn Auto Mode on.
 */
import * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import {
  AUTO_MODE_CLUSTER_POLICIES,
  AUTO_MODE_NODE_POLICIES,
  autoModeClusterTrustPolicy,
} from "../iam/auto-mode";
import { createNodeRole } from "../node-role";
import { AUTO_MODE_GENERAL_POOL } from "../../k8s/specs";

/** Auto Mode's two roles: the cluster's (EKS assumes it) and the nodes'. */
export interface AutoModeRoles {
  readonly cluster: aws.iam.Role;
  readonly node: aws.iam.Role;
  /** Every policy attachment: the cluster needs them before it is created. */
  readonly attachments: aws.iam.RolePolicyAttachment[];
}

/**
 * The Auto Mode cluster role `${name}-service` with {@link AUTO_MODE_CLUSTER_POLICIES}, and the node
 * role `${name}-node` with {@link AUTO_MODE_NODE_POLICIES}.
 */
export function createAutoModeRoles(
  name: string,
  args: { clusterName: string; partition: pulumi.Input<string>; tags: Record<string, string> },
  parent: pulumi.Resource,
): AutoModeRoles {
  const cluster = new aws.iam.Role(
    `${name}-service`,
    {
      description: `EKS Auto Mode cluster role of ${args.clusterName}`,
      assumeRolePolicy: JSON.stringify(autoModeClusterTrustPolicy()),
      tags: args.tags,
    },
    { parent },
  );
  const clusterAttachments = AUTO_MODE_CLUSTER_POLICIES.map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-service-${policy}`,
        {
          role: cluster.name,
          policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`,
        },
        { parent: cluster },
      ),
  );
  const node = createNodeRole(
    name,
    {
      description: `Nodes EKS Auto Mode launches in ${args.clusterName}`,
      partition: args.partition,
      tags: args.tags,
      policies: AUTO_MODE_NODE_POLICIES,
    },
    parent,
  );
  return {
    cluster,
    node: node.role,
    attachments: [...clusterAttachments, ...node.attachments],
  };
}

/**
 * The eks.Cluster arguments of an Auto Mode cluster. Auto Mode runs pod networking (VPC CNI,
 * kube-proxy), cluster DNS, EBS CSI storage and the Pod Identity agent as part of its nodes, "as
 * core components, as opposed to add-ons", and "you do not have to install the EKS Pod Identity
 * Agent" (docs.aws.amazon.com/eks/latest/userguide/automode.html, "Automated Components"), so none
 * is installed here: no self-managed bootstrap add-ons (EKS requires that off with Auto Mode), no
 * VPC CNI, kube-proxy or CoreDNS add-on from pulumi-eks. Only the general-purpose built-in pool:
 * the system pool's CriticalAddonsOnly taint would only serve add-ons this program does not run.
 */
export function autoModeClusterArgs(roles: {
  cluster: pulumi.Input<aws.iam.Role>;
  nodeRoleArn: pulumi.Input<string>;
}): Partial<eks.ClusterArgs> {
  return {
    serviceRole: roles.cluster,
    autoMode: {
      enabled: true,
      createNodeRole: false,
      computeConfig: { nodeRoleArn: roles.nodeRoleArn, nodePools: [AUTO_MODE_GENERAL_POOL] },
    },
    bootstrapSelfManagedAddons: false,
    useDefaultVpcCni: true,
    kubeProxyAddonOptions: { enabled: false },
    corednsAddonOptions: { enabled: false },
  };
}
