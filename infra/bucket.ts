/**
 * One hardened S3 bucket, as every bucket of the pipeline is made: owner-enforced (no ACLs), all
 * four public-access blocks, SSE-KMS with the data key and a bucket key, optional versioning,
 * lifecycle rules, and a TLS-only bucket policy. The settings resources are children of the bucket
 * and share its logical name. Called from component constructors only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  arnWithSuffix,
  denyInsecureTransport,
  policyDocument,
  type Arn,
  type PolicyDocument,
} from "./iam/documents";

/** The bucket policy: TLS only. */
export function bucketPolicy(bucketArn: Arn): PolicyDocument {
  return policyDocument(denyInsecureTransport("s3", [bucketArn, arnWithSuffix(bucketArn, "/*")]));
}

export interface HardenedBucketArgs {
  /** Bucket name prefix (Pulumi adds a random suffix). */
  readonly bucketPrefix: string;
  /** Let `pulumi destroy` delete a non-empty bucket. */
  readonly forceDestroy: boolean;
  /** The KMS key that encrypts every object. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** Keep every version of every object. */
  readonly versioned: boolean;
  /** Lifecycle rules (noncurrent-version rules need `versioned`). */
  readonly lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  readonly tags: Record<string, string>;
}

/** The bucket and its policy (other resources may need to wait for the policy). */
export interface HardenedBucket {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;
}

/** Creates a hardened bucket named `name` under `parent`. */
export function createHardenedBucket(
  name: string,
  args: HardenedBucketArgs,
  parent: pulumi.Resource,
): HardenedBucket {
  const bucket = new aws.s3.Bucket(
    name,
    { bucketPrefix: args.bucketPrefix, forceDestroy: args.forceDestroy, tags: args.tags },
    { parent },
  );
  const child = { parent: bucket };
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: args.dataKeyArn,
          },
          bucketKeyEnabled: true,
        },
      ],
    },
    child,
  );
  const versioning = args.versioned
    ? new aws.s3.BucketVersioning(
        name,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        child,
      )
    : undefined;
  new aws.s3.BucketLifecycleConfiguration(
    name,
    { bucket: bucket.id, rules: args.lifecycleRules },
    // Lifecycle rules on noncurrent versions need versioning switched on first.
    { ...child, dependsOn: versioning ? [versioning] : [] },
  );
  const policy = new aws.s3.BucketPolicy(
    name,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify(pulumi.output(bucketPolicy(bucket.arn))),
    },
    // S3 rejects a policy while the public-access block is being written.
    { ...child, dependsOn: [publicAccess] },
  );
  return { bucket, policy };
}
