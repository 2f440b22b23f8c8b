/**
 * The role of EC2 nodes (trusted by EC2 only) with AWS-managed node policies: the managed node
 * group's, Karpenter's and EKS Auto Mode's nodes each get one.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument } from "./iam/documents";

/** AWS-managed policies of the node role: join the cluster, pull images, run the VPC CNI. */
export const NODE_MANAGED_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonEKS_CNI_Policy",
] as const;

/** The node trust policy: EC2 instances only. */
export function nodeTrustPolicy(): PolicyDocument {
  return policyDocument({
    Sid: "AllowEc2Instances",
    Effect: "Allow",
    Principal: { Service: "ec2.amazonaws.com" },
    Action: "sts:AssumeRole",
  });
}

/** A node role and its worker-policy attachments. */
export interface NodeRole {
  readonly role: aws.iam.Role;
  readonly attachments: aws.iam.RolePolicyAttachment[];
}

/**
 * A role for EC2 nodes (trusted by EC2 only) with `policies` ({@link NODE_MANAGED_POLICIES} unless
 * told): the managed node group's, Karpenter's and Auto Mode's nodes each get one, named
 * `${name}-node` under `parent`.
 */
export function createNodeRole(
  name: string,
  args: {
    readonly description: pulumi.Input<string>;
    readonly partition: pulumi.Input<string>;
    readonly tags: Record<string, string>;
    readonly policies?: readonly string[];
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
  const attachments = (args.policies ?? NODE_MANAGED_POLICIES).map(
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
