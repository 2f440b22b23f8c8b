/**
 * Another team's Pulumi program (the "storefront" team) that builds on an event-pipeline stack through
 * its outputs: it runs its own event producer in the pipeline's cluster, in a namespace of its own,
 * with a Pod Identity role that may only send to the pipeline's events queue, and pages its on-call
 * endpoint from the pipeline's alarm topic.
 *
 *   pulumi config set pipelineStack acme/event-pipeline/prod
 *   pulumi config set onCallUrl https://oncall.example.com/hooks/pipeline
 *   pulumi up
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pipelineStack, queueArnFromUrl } from "./pipeline";

const config = new pulumi.Config();
const pipeline = pipelineStack(new pulumi.StackReference(config.require("pipelineStack")));
const namespaceName = config.get("namespace") ?? "storefront";
const serviceAccountName = "storefront-producer";

// Kubernetes: the pipeline's cluster, through its (secret) kubeconfig; a namespace that enforces the
// restricted Pod Security Standard, like the pipeline's own.
const provider = new k8s.Provider("pipeline-cluster", {
  kubeconfig: pipeline.require("kubeconfig"),
  enableServerSideApply: true,
});
const namespace = new k8s.core.v1.Namespace(
  "storefront",
  {
    metadata: {
      name: namespaceName,
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  },
  { provider },
);
const serviceAccount = new k8s.core.v1.ServiceAccount(
  "storefront-producer",
  { metadata: { name: serviceAccountName, namespace: namespace.metadata.name } },
  { provider },
);

// AWS: a role only this service account of this cluster can assume (EKS Pod Identity), allowed
// exactly sqs:SendMessage on the pipeline's events queue.
const clusterName = pipeline.require("clusterName");
const partition = aws.getPartitionOutput().partition;
const eventsQueueArn = pulumi
  .all([pipeline.require("eventsQueueUrl"), partition])
  .apply(([url, p]) => queueArnFromUrl(url, p));
const role = new aws.iam.Role("storefront-producer", {
  assumeRolePolicy: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": namespaceName,
            "aws:RequestTag/kubernetes-service-account": serviceAccountName,
          },
        },
      },
    ],
  }),
});
new aws.iam.RolePolicy("storefront-producer", {
  role: role.name,
  policy: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: eventsQueueArn }],
  }),
});
new aws.eks.PodIdentityAssociation(
  "storefront-producer",
  {
    clusterName,
    namespace: namespaceName,
    serviceAccount: serviceAccountName,
    roleArn: role.arn,
  },
  { dependsOn: [serviceAccount] },
);

// Operations: the pipeline's alarms reach this team's on-call endpoint too.
new aws.sns.TopicSubscription("storefront-on-call", {
  topic: pipeline.require("alarmTopicArn"),
  protocol: "https",
  endpoint: config.require("onCallUrl"),
});

/** Where the producer sends events, and the image it may reuse (digest-pinned). */
export const eventsQueueUrl = pipeline.require("eventsQueueUrl");
export const processorImage = pipeline.require("processorImage");
export const producerRoleArn = role.arn;
/** Present only when the pipeline stack runs the orchestrated variant. */
export const stateMachineArn = pipeline.optional("stateMachineArn");
