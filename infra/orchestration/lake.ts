/**
 * The lake bucket of the orchestrated variant: the archive of every input the workflow processed
 * (`raw/<key>`) and, for the EMR engine, the Spark entry point (`artifacts/`). Hardened like the
 * pipeline's buckets: owner-enforced, no public access, SSE-KMS with the data key and a bucket key,
 * versioned, TLS only. Called from the Orchestration component's constructor only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketPolicy } from "../storage";

/** Days before an abandoned multipart upload into the lake is cleaned up. */
export const LAKE_ABORT_MULTIPART_DAYS = 7;

export interface LakeArgs {
  /** Bucket name prefix (Pulumi adds a random suffix). */
  readonly namePrefix: string;
  readonly forceDestroy: boolean;
  /** Days before overwritten versions expire. */
  readonly noncurrentVersionDays: number;
  readonly dataKeyArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/** Creates the lake bucket and its settings as children of `parent`. */
export function createLake(name: string, args: LakeArgs, parent: pulumi.Resource): aws.s3.Bucket {
  const lake = new aws.s3.Bucket(
    name,
    { bucketPrefix: args.namePrefix, forceDestroy: args.forceDestroy, tags: args.tags },
    { parent },
  );
  const child = { parent: lake };
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: lake.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: lake.id,
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
      bucket: lake.id,
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
  const versioning = new aws.s3.BucketVersioning(
    name,
    { bucket: lake.id, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: lake.id,
      rules: [
        {
          id: "clean-up",
          status: "Enabled",
          filter: { prefix: "" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: LAKE_ABORT_MULTIPART_DAYS },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
        },
      ],
    },
    // Lifecycle rules on noncurrent versions need versioning switched on first.
    { ...child, dependsOn: [versioning] },
  );
  new aws.s3.BucketPolicy(
    name,
    {
      bucket: lake.id,
      policy: pulumi.jsonStringify(pulumi.output(bucketPolicy(lake.arn))),
    },
    // S3 rejects a policy while the public-access block is being written.
    { ...child, dependsOn: [publicAccess] },
  );
  return lake;
}
