/**
 * AWS's limits on the names the stack derives from its project and stack names, each with its
 * source. `fit.ts` checks the names against them before any resource exists, and the policy pack's
 * limits catalog (`policy/limits/`) checks the resource graph against the same numbers. Pure.
 */

/** A name limit: the longest name AWS accepts, the characters it allows, and where that is written. */
export interface NameLimit {
  /** What the name is, as a user would say it. */
  readonly what: string;
  readonly min: number;
  readonly max: number;
  /** The whole name must match this. */
  readonly pattern: RegExp;
  /** AWS documentation page or provider validation that states the limit. */
  readonly source: string;
}

/**
 * The unique suffix the provider appends to a `bucketPrefix` / `namePrefix`: a 26-character
 * timestamp-and-counter id (terraform-plugin-sdk `helper/id.UniqueIDSuffixLength` = 26).
 */
export const UNIQUE_SUFFIX_LENGTH = 26;

/** The name limits of the resource types whose names derive from `<project>-<stack>`. */
export const NAME_LIMITS = {
  s3Bucket: {
    what: "S3 bucket name",
    min: 3,
    max: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  s3BucketPrefix: {
    what: "S3 bucket name prefix",
    min: 1,
    // hashicorp/terraform-provider-aws internal/service/s3/bucket.go: bucket_prefix is validated
    // with StringLenBetween(0, 63-id.UniqueIDSuffixLength), i.e. 37.
    max: 63 - UNIQUE_SUFFIX_LENGTH,
    pattern: /^[a-z0-9][a-z0-9.-]*$/,
    source:
      "terraform-provider-aws internal/service/s3/bucket.go (bucket_prefix: StringLenBetween(0, 63-UniqueIDSuffixLength)); @pulumi/aws s3.Bucket bucketPrefix docs: at most 37 characters",
  },
  sqsQueue: {
    what: "SQS queue name",
    min: 1,
    max: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    source:
      "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html (QueueName: up to 80 alphanumeric, hyphen, underscore)",
  },
  eksCluster: {
    what: "EKS cluster name",
    min: 1,
    max: 100,
    pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/,
    source: "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html (name)",
  },
  ecrRepository: {
    what: "ECR repository name",
    min: 2,
    max: 256,
    pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    source:
      "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName)",
  },
  kmsAlias: {
    what: "KMS alias name",
    min: 1,
    max: 256,
    pattern: /^alias\/[a-zA-Z0-9/_-]+$/,
    source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
  },
  dynamodbTable: {
    what: "DynamoDB table name",
    min: 3,
    max: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html (TableName)",
  },
  eventBus: {
    what: "EventBridge event bus name",
    min: 1,
    max: 256,
    pattern: /^[/.\-_A-Za-z0-9]+$/,
    source:
      "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html (Name)",
  },
  eventRule: {
    what: "EventBridge rule name",
    min: 1,
    max: 64,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html (Name)",
  },
  stateMachine: {
    what: "Step Functions state machine name",
    min: 1,
    max: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    source:
      "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html (name)",
  },
  emrVirtualCluster: {
    what: "EMR on EKS virtual cluster name",
    min: 1,
    max: 64,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    source:
      "https://docs.aws.amazon.com/emr-on-eks/latest/APIReference/API_CreateVirtualCluster.html (name)",
  },
  iamRole: {
    what: "IAM role name",
    min: 1,
    max: 64,
    pattern: /^[\w+=,.@-]+$/,
    source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)",
  },
  dashboard: {
    what: "CloudWatch dashboard name",
    min: 1,
    max: 255,
    pattern: /^[A-Za-z0-9_-]+$/,
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (DashboardName)",
  },
  logGroup: {
    what: "CloudWatch Logs log group name",
    min: 1,
    max: 512,
    pattern: /^[.\-_/#A-Za-z0-9]+$/,
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (logGroupName)",
  },
  k8sLabelValue: {
    what: "Kubernetes label value",
    min: 0,
    max: 63,
    pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
    source:
      "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set",
  },
} as const satisfies Record<string, NameLimit>;

/** Pulumi's own rule for stack names (pulumi/pulumi `pkg/backend` validateStackName). */
export const PULUMI_STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Whether `name` satisfies `limit`; otherwise the reason, for a message. */
export function nameViolation(limit: NameLimit, name: string): string | undefined {
  if (name.length < limit.min || name.length > limit.max) {
    return `${limit.what} "${name}" has ${name.length} characters; AWS allows ${limit.min}-${limit.max} (${limit.source})`;
  }
  if (!limit.pattern.test(name)) {
    return `${limit.what} "${name}" must match ${String(limit.pattern)} (${limit.source})`;
  }
  return undefined;
}

/**
 * The Kubernetes minor versions EKS offers a cluster, in standard or extended support
 * (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html); CreateCluster refuses
 * any other. `cluster.kubernetesVersion` must be one, and the limits catalog checks the graph with it.
 */
export const EKS_KUBERNETES_VERSIONS = [
  "1.28",
  "1.29",
  "1.30",
  "1.31",
  "1.32",
  "1.33",
  "1.34",
] as const;

/**
 * The retention periods CloudWatch Logs accepts, days
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html,
 * retentionInDays); PutRetentionPolicy refuses any other number.
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
