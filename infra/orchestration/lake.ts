/**
 * The lake bucket of the orchestrated variant: the archive of every input the workflow processed
 * (`raw/<key>`) and, for the EMR engine, the Spark entry point (`artifacts/`). Hardened like the
 * pipeline's buckets: owner-enforced, no public access, SSE-KMS with the data key and a bucket key,
 * versioned, TLS only. Called from the Orchestration component's constructor only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHardenedBucket } from "../bucket";

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
  return createHardenedBucket(
    name,
    {
      bucketPrefix: args.namePrefix,
      forceDestroy: args.forceDestroy,
      dataKeyArn: args.dataKeyArn,
      versioned: true,
      lifecycleRules: [
        {
          id: "clean-up",
          status: "Enabled",
          filter: { prefix: "" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: LAKE_ABORT_MULTIPART_DAYS },
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
        },
      ],
      tags: args.tags,
    },
    parent,
  ).bucket;
}
