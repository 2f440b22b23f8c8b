/**
 * EKS Auto Mode's IAM, as AWS documents it (docs.aws.amazon.com/eks/latest/userguide/
 * auto-learn-iam.html and automode-get-started-cli.html, "IAM Roles for EKS Auto Mode Clusters"):
 * the cluster role with one AWS-managed policy per Auto Mode capability, trusted by EKS with
 * sts:TagSession (Auto Mode tags the sessions it opens with the cluster's name), and the node role
 * with the two minimal node policies. Least privilege as far as AWS allows: the three capabilities
 * (compute, block storage, load balancing) can only be enabled together (CreateCluster refuses
 * otherwise), so each needs its policy; the node role carries no CNI policy (Auto Mode's nodes
 * network pods themselves) and pulls images only.
 */
import { policyDocument, type PolicyDocument } from "./documents";

/** AWS-managed policies of an Auto Mode cluster role, one per capability plus the cluster's own. */
export const AUTO_MODE_CLUSTER_POLICIES = [
  "AmazonEKSClusterPolicy",
  "AmazonEKSComputePolicy",
  "AmazonEKSBlockStoragePolicy",
  "AmazonEKSLoadBalancingPolicy",
  "AmazonEKSNetworkingPolicy",
] as const;

/** AWS-managed policies of Auto Mode's node role: join the cluster, pull images, nothing else. */
export const AUTO_MODE_NODE_POLICIES = [
  "AmazonEKSWorkerNodeMinimalPolicy",
  "AmazonEC2ContainerRegistryPullOnly",
] as const;

/** The Auto Mode cluster role's trust policy: the EKS service, with session tags. */
export function autoModeClusterTrustPolicy(): PolicyDocument {
  return policyDocument({
    Sid: "AllowEksAutoMode",
    Effect: "Allow",
    Principal: { Service: "eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
  });
}
