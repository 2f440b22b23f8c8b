/**
 * IAM policy document types and the builders shared by several components. Pure: documents are plain
 * objects over ARNs (strings in tests, `pulumi.Input<string>` in the program); serialise them with
 * `pulumi.jsonStringify(pulumi.output(doc))`.
 */
import * as pulumi from "@pulumi/pulumi";

/** An ARN or other policy value, known now or later. */
export type Arn = pulumi.Input<string>;

/** One IAM policy statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, Arn | Arn[]>;
  readonly Action: string | string[];
  readonly Resource?: Arn | Arn[];
  readonly Condition?: Record<string, Record<string, Arn | Arn[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: PolicyStatement[];
}

/** A policy document of these statements. */
export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Denies every request to `resources` that does not use TLS (`aws:SecureTransport` false). A Deny on
 * all actions of the service is deliberate: it only ever takes permissions away.
 */
export function denyInsecureTransport(service: "s3" | "sqs", resources: Arn[]): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: `${service}:*`,
    Resource: resources,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * The concatenation of `parts`: a plain string when every part is one, an Output otherwise, so
 * builders stay checkable with plain strings.
 */
export function concat(...parts: Arn[]): Arn {
  return parts.every((p): p is string => typeof p === "string")
    ? parts.join("")
    : pulumi.all(parts).apply((ps) => ps.join(""));
}

/**
 * A queue that only the given EventBridge rules may send to (`aws:SourceArn`), and only over TLS:
 * the policy of an interruption queue or of a rule target's dead-letter queue.
 */
export function eventBridgeRulesQueuePolicy(
  sid: string,
  queueArn: Arn,
  ruleArns: Arn[],
): PolicyDocument {
  return policyDocument(
    {
      Sid: sid,
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queueArn,
      Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
    },
    denyInsecureTransport("sqs", [queueArn]),
  );
}

/** `base` + `suffix`, e.g. a bucket ARN + `/input/*`. */
export function arnWithSuffix(base: Arn, suffix: string): Arn {
  return concat(base, suffix);
}

/** Key administration, as exact actions (instead of `kms:*`); no use of the key. */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
] as const;

/** The key-policy statement by which the account administers a key (`Resource: "*"` = this key). */
export function accountAdministersKey(partition: Arn, accountId: Arn): PolicyStatement {
  return {
    Sid: "AccountAdministersKey",
    Effect: "Allow",
    Principal: { AWS: concat("arn:", partition, ":iam::", accountId, ":root") },
    Action: [...KEY_ADMIN_ACTIONS],
    Resource: "*",
  };
}

/**
 * The policy of a customer-managed key: the account administers it, and IAM policies of the account
 * may grant exactly `usage` (the key's own principals still need an IAM grant, e.g. with
 * `kms:ViaService`). In a key policy `Resource: "*"` means this key.
 */
export function keyPolicy(args: {
  readonly partition: Arn;
  readonly accountId: Arn;
  readonly usage: readonly string[];
}): PolicyDocument {
  const principal = concat("arn:", args.partition, ":iam::", args.accountId, ":root");
  return policyDocument(accountAdministersKey(args.partition, args.accountId), {
    Sid: "IamPoliciesMayGrantUse",
    Effect: "Allow",
    Principal: { AWS: principal },
    Action: [...args.usage],
    Resource: "*",
  });
}
