/**
 * IAM and KMS documents of the monitoring component, as pure functions over names and ARNs.
 */
import { accountAdministersKey, policyDocument, type PolicyDocument } from "./documents";

/** Where a document applies. */
export interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Key policy of the alarm topic's KMS key. CloudWatch alarms cannot publish to a topic encrypted with
 * the AWS-managed `alias/aws/sns` key, so the topic gets its own key that CloudWatch (of this account
 * only) may use for data keys; SNS itself uses the key on the publisher's behalf. In a key policy,
 * `Resource: "*"` means this key.
 */
export function alarmTopicKeyPolicy(scope: AccountScope): PolicyDocument {
  return policyDocument(accountAdministersKey(scope.partition, scope.accountId), {
    Sid: "CloudWatchAlarmsEncryptNotifications",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": scope.accountId } },
  });
}

/** Topic policy: only this account's CloudWatch alarms publish, and only over TLS. */
export function alarmTopicPolicy(scope: AccountScope, topicArn: string): PolicyDocument {
  return policyDocument(
    {
      Sid: "CloudWatchAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["sns:Publish"],
      Resource: topicArn,
      Condition: {
        StringEquals: { "aws:SourceAccount": scope.accountId },
        ArnLike: {
          "aws:SourceArn": `arn:${scope.partition}:cloudwatch:${scope.region}:${scope.accountId}:alarm:*`,
        },
      },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: ["sns:Publish"],
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}

/** The Container Insights log groups the agents write to; the program creates them with retention. */
export function containerInsightsLogGroups(clusterName: string): string[] {
  return ["application", "dataplane", "host", "performance"].map(
    (kind) => `/aws/containerinsights/${clusterName}/${kind}`,
  );
}

/**
 * Least-privilege permissions of the CloudWatch agent and Fluent Bit (the
 * amazon-cloudwatch-observability add-on), instead of the broad CloudWatchAgentServerPolicy.
 * EC2 Describe* calls support no resource-level permissions, so they need `Resource: "*"`; metric
 * writes are limited to the two namespaces the agent uses by the `cloudwatch:namespace` condition key.
 */
export function containerInsightsAgentPolicy(
  scope: AccountScope,
  clusterName: string,
): PolicyDocument {
  const groupArn = (name: string) =>
    `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${name}`;
  const groups = containerInsightsLogGroups(clusterName);
  return policyDocument(
    {
      Sid: "WriteContainerInsightsLogs",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
      ],
      Resource: groups.flatMap((g) => [groupArn(g), `${groupArn(g)}:log-stream:*`]),
    },
    {
      Sid: "FindLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups"],
      Resource: `${groupArn("*")}`,
    },
    {
      Sid: "PutAgentMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": ["ContainerInsights", "CWAgent"] } },
    },
    {
      Sid: "DescribeNodes",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances", "ec2:DescribeTags", "ec2:DescribeVolumes"],
      Resource: "*",
    },
  );
}
