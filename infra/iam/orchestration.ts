/**
 * IAM, KMS, SNS and SQS policy documents of the orchestrated variant: pure functions over ARNs
 * (strings in tests, Outputs in the program), exact actions on exact resources, and `iam:PassRole`
 * only on the one role the state machine passes, only to the service it passes it to.
 */
import { errorReportsPrefixOf, resultsRootsOf } from "@pipeline/processor/contract";
import { kmsThroughS3, listUnderPrefixes, writeObjects, type KmsScope } from "../identity";
import { LAKE_ARTIFACTS_PREFIX, LAKE_RAW_PREFIX } from "../../config/workflow-names";
import {
  arnWithSuffix,
  concat,
  eventBridgeRulesQueuePolicy,
  accountAdministersKey,
  policyDocument,
  type Arn,
  type PolicyDocument,
  type PolicyStatement,
} from "./documents";

/** Trust for an AWS service principal, confined to this account and, when given, one source ARN. */
export function serviceTrustPolicy(service: string, account: Arn, sourceArn?: Arn): PolicyDocument {
  return policyDocument({
    Sid: "AllowServiceOfThisAccount",
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": account },
      ...(sourceArn ? { ArnLike: { "aws:SourceArn": sourceArn } } : {}),
    },
  });
}

/** Where the processing runs, as the state machine's role needs to know it. */
export type EngineAccess =
  | { readonly kind: "eks"; readonly clusterArn: Arn }
  | {
      readonly kind: "emr";
      readonly virtualClusterArn: Arn;
      /** The job execution role the state machine passes in StartJobRun. */
      readonly executionRoleArn: Arn;
    };

export interface StateMachinePolicyInput {
  readonly rawBucketArn: Arn;
  /** Raw key prefix this path owns, e.g. `batch/`. */
  readonly prefix: string;
  readonly processedBucketArn: Arn;
  readonly lakeBucketArn: Arn;
  /** The KMS key every bucket encrypts with (SSE-KMS). */
  readonly dataKeyArn: Arn;
  readonly kms: KmsScope;
  readonly tableArn: Arn;
  readonly eventBusArn: Arn;
  readonly engine: EngineAccess;
}

/** What the engine needs: see the EKS and EMR on EKS integration pages of Step Functions. */
function engineStatements(engine: EngineAccess): PolicyStatement[] {
  if (engine.kind === "eks") {
    // eks:runJob signs Kubernetes API calls as this role (access entry + namespace RBAC); the
    // cluster itself is only described.
    return [
      {
        Sid: "DescribeTheCluster",
        Effect: "Allow",
        Action: "eks:DescribeCluster",
        Resource: engine.clusterArn,
      },
    ];
  }
  return [
    {
      Sid: "StartJobRunsWithTheExecutionRole",
      Effect: "Allow",
      Action: "emr-containers:StartJobRun",
      Resource: engine.virtualClusterArn,
      Condition: { ArnEquals: { "emr-containers:ExecutionRoleArn": engine.executionRoleArn } },
    },
    {
      Sid: "ObserveAndCancelJobRuns",
      Effect: "Allow",
      Action: ["emr-containers:DescribeJobRun", "emr-containers:CancelJobRun"],
      Resource: arnWithSuffix(engine.virtualClusterArn, "/jobruns/*"),
    },
    {
      Sid: "PassOnlyTheJobExecutionRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: engine.executionRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "emr-containers.amazonaws.com" } },
    },
  ];
}

/**
 * The state machine's permissions: run and observe the job, copy the input into the lake, read the
 * metrics, update the results table, put events on the custom bus. Nothing else.
 */
export function stateMachinePolicy(input: StateMachinePolicyInput): PolicyDocument {
  return policyDocument(
    ...engineStatements(input.engine),
    {
      // CopySource names the exact version, which needs GetObjectVersion.
      Sid: "ReadInputsUnderThePrefix",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: arnWithSuffix(input.rawBucketArn, `/${input.prefix}*`),
    },
    {
      Sid: "CopyInputsIntoTheLake",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: arnWithSuffix(input.lakeBucketArn, `/${LAKE_RAW_PREFIX}*`),
    },
    {
      Sid: "ReadQualityMetrics",
      Effect: "Allow",
      Action: "s3:GetObject",
      // This path's own results roots, one per format (contract: resultKeysFor), never the KEDA
      // path's output/.
      Resource: resultsRootsOf(input.prefix).map((root) =>
        arnWithSuffix(input.processedBucketArn, `/${root}*`),
      ),
    },
    // Missing metrics must be S3.NoSuchKeyException (the definition's no-retry case), not 403.
    listUnderPrefixes("ListQualityMetrics", input.processedBucketArn, resultsRootsOf(input.prefix)),
    kmsThroughS3(input.dataKeyArn, input.kms, ["kms:Decrypt", "kms:GenerateDataKey"]),
    {
      Sid: "RecordResults",
      Effect: "Allow",
      Action: "dynamodb:UpdateItem",
      Resource: input.tableArn,
    },
    {
      Sid: "AnnounceOnTheCustomBus",
      Effect: "Allow",
      Action: "events:PutEvents",
      Resource: input.eventBusArn,
    },
  );
}

/** EventBridge's permission to start executions of exactly one state machine. */
export function startExecutionPolicy(stateMachineArn: Arn): PolicyDocument {
  return policyDocument({
    Sid: "StartTheBatchStateMachine",
    Effect: "Allow",
    Action: "states:StartExecution",
    Resource: stateMachineArn,
  });
}

export interface JobRolePolicyInput {
  readonly rawBucketArn: Arn;
  readonly prefix: string;
  readonly processedBucketArn: Arn;
  readonly dataKeyArn: Arn;
  readonly kms: KmsScope;
  /** EMR only: the lake, whose `artifacts/` holds the Spark entry point. */
  readonly lakeBucketArn?: Arn;
}

/** The processing job's permissions: read its prefix, write outputs and error reports. */
export function jobRolePolicy(input: JobRolePolicyInput): PolicyDocument {
  const reads: Arn[] = [arnWithSuffix(input.rawBucketArn, `/${input.prefix}*`)];
  if (input.lakeBucketArn)
    reads.push(arnWithSuffix(input.lakeBucketArn, `/${LAKE_ARTIFACTS_PREFIX}*`));
  return policyDocument(
    {
      Sid: "ReadInputsUnderThePrefix",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: reads,
    },
    // A missing input is then a 404 the processor reports, not a 403 it leaves for retries.
    listUnderPrefixes("ListInputsUnderThePrefix", input.rawBucketArn, [input.prefix]),
    writeObjects("WriteOutputsAndErrorReports", [
      ...resultsRootsOf(input.prefix).map((root) =>
        arnWithSuffix(input.processedBucketArn, `/${root}*`),
      ),
      arnWithSuffix(input.processedBucketArn, `/${errorReportsPrefixOf(input.prefix)}*`),
    ]),
    kmsThroughS3(input.dataKeyArn, input.kms, ["kms:Decrypt", "kms:GenerateDataKey"]),
  );
}

/**
 * Policy of the notification topic's KMS key: the account administers it with exact actions (as the
 * alarm topic's key); EventBridge may use it only for rules on the variant's custom bus, so the
 * notification rule can publish to the encrypted topic (the AWS managed SNS key cannot be granted to
 * EventBridge). SNS decrypts for the e-mail subscriptions itself. In a key policy `Resource: "*"`
 * means this key.
 */
export function notificationKeyPolicy(input: {
  readonly partition: Arn;
  readonly account: Arn;
  readonly region: string;
  /** The custom bus whose rules publish to the encrypted topic. */
  readonly eventBusName: string;
}): PolicyDocument {
  const { partition, account, region } = input;
  return policyDocument(accountAdministersKey(partition, account), {
    Sid: "RulesOfTheBusEncryptNotifications",
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource: "*",
    Condition: {
      StringEquals: { "aws:SourceAccount": account },
      ArnLike: {
        "aws:SourceArn": concat(
          "arn:",
          partition,
          `:events:${region}:`,
          account,
          `:rule/${input.eventBusName}/*`,
        ),
      },
    },
  });
}

/** The topic accepts publications only from the notification rule, over TLS. */
export function topicPolicy(topicArn: Arn, ruleArn: Arn, account: Arn): PolicyDocument {
  return policyDocument(
    {
      Sid: "NotificationRulePublishes",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: {
        ArnEquals: { "aws:SourceArn": ruleArn },
        StringEquals: { "aws:SourceAccount": account },
      },
    },
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}

/** The dead-letter queue accepts events only from the variant's rules, over TLS. */
export function deadLetterQueuePolicy(queueArn: Arn, ruleArns: Arn[]): PolicyDocument {
  return eventBridgeRulesQueuePolicy("RulesDeadLetter", queueArn, ruleArns);
}
