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
 * `base` + `suffix` (e.g. a bucket ARN + `/input/*`): a plain string for a string, an Output for an
 * Output, so builders stay checkable with plain strings.
 */
export function arnWithSuffix(base: Arn, suffix: string): Arn {
  return typeof base === "string"
    ? `${base}${suffix}`
    : pulumi.output(base).apply((b) => `${b}${suffix}`);
}
