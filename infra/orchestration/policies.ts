/**
 * IAM, KMS, SNS and SQS policy documents of the orchestrated variant: pure functions over resolved
 * ARNs, exact actions only, `iam:PassRole` only on the role the state machine passes and only to the
 * service it passes it to. Unit-tested without Pulumi; the component feeds them from Outputs.
 */
import { KEY_ADMIN_ACTIONS } from "../monitoring/policies";
import { KEYS } from "../names";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?:
    "*" | { readonly Service?: string | string[]; readonly AWS?: string | string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** Trust for a service principal, confined to this account (and, when given, to one source ARN). */
export function serviceTrustPolicy(
  service: string,
  account: string,
  sourceArn?: string,
): PolicyDocument {
  return doc({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Resource: "*",
    Condition: {
      StringEquals: { "aws:SourceAccount": account },
      ...(sourceArn ? { ArnLike: { "aws:SourceArn": sourceArn } } : {}),
    },
  });
}

/** Trust for EKS Pod Identity (DESIGN.md: `sts:AssumeRole` and `sts:TagSession`). */
export function podIdentityTrustPolicy(account: string): PolicyDocument {
  return doc({
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": account } },
  });
}

/** A trust policy has a Resource in our type only for uniformity; IAM rejects it, so strip it. */
export function trustPolicyJson(policy: PolicyDocument): string {
  return JSON.stringify({
    Version: policy.Version,
    Statement: policy.Statement.map(({ Resource: _r, ...rest }) => rest),
  });
}

/** Where the processing runs, as the state machine's role needs to know it. */
export type EngineAccess =
  | { readonly kind: "eks"; readonly clusterArn: string }
  | {
      readonly kind: "emr";
      readonly virtualClusterArn: string;
      /** The job execution role the state machine passes in StartJobRun. */
      readonly executionRoleArn: string;
    };

export interface StateMachinePolicyInput {
  readonly rawBucketArn: string;
  /** Raw key prefix this path owns, e.g. `batch/`. */
  readonly prefix: string;
  readonly processedBucketArn: string;
  readonly lakeBucketArn: string;
  readonly tableArn: string;
  readonly eventBusArn: string;
  readonly engine: EngineAccess;
}

/**
 * The state machine's permissions: start/observe the job, copy the input to the lake, read the
 * metrics, update the results table, put events on the custom bus. Nothing else.
 */
export function stateMachinePolicy(input: StateMachinePolicyInput): PolicyDocument {
  const engine: PolicyStatement[] =
    input.engine.kind === "eks"
      ? [
          {
            // eks:runJob authenticates to the Kubernetes API as this role (access entry); the
            // integration reads the cluster it was given.
            Sid: "DescribeTheCluster",
            Effect: "Allow",
            Action: ["eks:DescribeCluster"],
            Resource: input.engine.clusterArn,
          },
        ]
      : [
          {
            Sid: "StartJobRunsWithTheExecutionRole",
            Effect: "Allow",
            Action: ["emr-containers:StartJobRun"],
            Resource: input.engine.virtualClusterArn,
            Condition: {
              ArnEquals: { "emr-containers:ExecutionRoleArn": input.engine.executionRoleArn },
            },
          },
          {
            Sid: "ObserveAndCancelJobRuns",
            Effect: "Allow",
            Action: ["emr-containers:DescribeJobRun", "emr-containers:CancelJobRun"],
            Resource: `${input.engine.virtualClusterArn}/jobruns/*`,
          },
          {
            Sid: "PassOnlyTheJobExecutionRole",
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: input.engine.executionRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "emr-containers.amazonaws.com" } },
          },
        ];
  return doc(
    ...engine,
    {
      // CopySource names the exact version, which needs GetObjectVersion.
      Sid: "ReadInputsUnderThePrefix",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: `${input.rawBucketArn}/${input.prefix}*`,
    },
    {
      Sid: "CopyInputsToTheLake",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: `${input.lakeBucketArn}/raw/*`,
    },
    {
      Sid: "ReadQualityMetrics",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: `${input.processedBucketArn}/${KEYS.outputPrefix}*`,
    },
    {
      Sid: "RecordResults",
      Effect: "Allow",
      Action: ["dynamodb:UpdateItem"],
      Resource: input.tableArn,
    },
    {
      Sid: "AnnounceOnTheCustomBus",
      Effect: "Allow",
      Action: ["events:PutEvents"],
      Resource: input.eventBusArn,
    },
  );
}

/** EventBridge's permission to start executions of exactly one state machine. */
export function startExecutionPolicy(stateMachineArn: string): PolicyDocument {
  return doc({
    Effect: "Allow",
    Action: ["states:StartExecution"],
    Resource: stateMachineArn,
  });
}

export interface JobRolePolicyInput {
  readonly rawBucketArn: string;
  readonly prefix: string;
  readonly processedBucketArn: string;
  /** EMR only: where the Spark entry point is stored (`<lake>/artifacts/*`). */
  readonly artifactsArn?: string;
}

/** The processing job's permissions: read its prefix, write outputs and error reports. */
export function jobRolePolicy(input: JobRolePolicyInput): PolicyDocument {
  return doc(
    {
      Sid: "ReadInputsUnderThePrefix",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [
        `${input.rawBucketArn}/${input.prefix}*`,
        ...(input.artifactsArn ? [input.artifactsArn] : []),
      ],
    },
    {
      Sid: "WriteOutputsAndErrorReports",
      Effect: "Allow",
      Action: ["s3:PutObject"],
      Resource: [
        `${input.processedBucketArn}/${KEYS.outputPrefix}*`,
        `${input.processedBucketArn}/${KEYS.errorsPrefix}*`,
      ],
    },
  );
}

export interface KeyPolicyInput {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  /** The custom bus whose rules publish to the encrypted topic. */
  readonly eventBusName: string;
}

/**
 * Policy of the notification topic's KMS key: the account administers it (exact actions, as the
 * alarm topic's key); EventBridge may use it only for rules on the variant's custom bus, so the
 * notification rule can publish to the encrypted topic (the AWS managed SNS key cannot be granted to
 * EventBridge). SNS decrypts for the e-mail subscriptions on its own. `Resource: "*"` in a key policy
 * means this key.
 */
export function notificationKeyPolicy(input: KeyPolicyInput): PolicyDocument {
  const { partition, account, region } = input;
  return doc(
    {
      Sid: "AccountAdministersThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${account}:root` },
      Action: [...KEY_ADMIN_ACTIONS],
      Resource: "*",
    },
    {
      Sid: "EventBridgeRulesOfTheBusEncrypt",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: {
          "aws:SourceArn": `arn:${partition}:events:${region}:${account}:rule/${input.eventBusName}/*`,
        },
      },
    },
  );
}

/** The topic accepts publications only from the notification rule. */
export function topicPolicy(topicArn: string, ruleArn: string, account: string): PolicyDocument {
  return doc(
    {
      Sid: "NotificationRulePublishes",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["sns:Publish"],
      Resource: topicArn,
      Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
    },
    {
      Sid: "OwnerManages",
      Effect: "Allow",
      Principal: { AWS: account },
      Action: [
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:ListSubscriptionsByTopic",
        "sns:DeleteTopic",
      ],
      Resource: topicArn,
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

/** The dead-letter queue accepts events only from the variant's rules. */
export function deadLetterQueuePolicy(
  queueArn: string,
  ruleArns: readonly string[],
): PolicyDocument {
  return doc({
    Sid: "RulesDeadLetter",
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: ["sqs:SendMessage"],
    Resource: queueArn,
    Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
  });
}

/** Lake bucket: TLS only. */
export function lakeBucketPolicy(bucketArn: string): PolicyDocument {
  return doc({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}
