/**
 * The pipeline's buckets: raw uploads, processed results and stored events.
 *
 * Encryption: SSE-KMS with one customer-managed key (rotation on) and S3 Bucket Keys. Reading or
 * writing an object then needs both an S3 and a KMS grant, key use is audited in CloudTrail, and
 * disabling the key makes the data unreadable at once; Bucket Keys cut the KMS requests (and their
 * cost) to a few per bucket instead of one per object.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHardenedBucket } from "./bucket";
import { stackPhysicalNames } from "../config";
import { keyPolicy } from "./iam/documents";
import type { Settings } from "../config";

/** The buckets by role. */
export type BucketRole = "raw" | "processed" | "events";

export const BUCKET_ROLES: readonly BucketRole[] = ["raw", "processed", "events"];

/** What IAM policies may grant on the data key: S3's use of it for SSE-KMS reads and writes. */
export const DATA_KEY_USAGE = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"] as const;

/** Days after which S3 aborts an incomplete multipart upload and frees its parts. */
export const ABORT_MULTIPART_DAYS = 7;

export interface StorageArgs {
  /** Storage settings (retention, forceDestroy). */
  readonly storage: Settings["storage"];
  /** Pulumi project and stack, for the bucket name prefixes. */
  readonly project: string;
  readonly stack: string;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/** A lifecycle rule as S3 takes it. */
export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly prefix: string };
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
  readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
}

/** Whether a bucket keeps object versions (only raw uploads: they are the source of truth). */
export function isVersioned(role: BucketRole): boolean {
  return role === "raw";
}

/** Retention of current objects in a bucket, days (0 = forever). */
export function retentionDays(role: BucketRole, storage: Settings["storage"]): number {
  const days: Record<BucketRole, number> = {
    raw: storage.rawRetentionDays,
    processed: storage.processedRetentionDays,
    events: storage.eventsRetentionDays,
  };
  return days[role];
}

/** The lifecycle rules of a bucket: abort stale multipart uploads, expire by retention and versions. */
export function lifecycleRules(role: BucketRole, storage: Settings["storage"]): LifecycleRule[] {
  const all = { prefix: "" };
  const rules: LifecycleRule[] = [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: all,
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
    },
  ];
  const days = retentionDays(role, storage);
  if (days > 0) {
    rules.push({ id: "expire-objects", status: "Enabled", filter: all, expiration: { days } });
  }
  if (isVersioned(role)) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: all,
      noncurrentVersionExpiration: { noncurrentDays: storage.noncurrentVersionDays },
    });
    rules.push({
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: all,
      expiration: { expiredObjectDeleteMarker: true },
    });
  }
  return rules;
}

/** One hardened bucket. */
export interface PipelineBucket {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** The bucket policy; resources that must wait for it (notifications) depend on it. */
  readonly policy: aws.s3.BucketPolicy;
}

/** The raw, processed and events buckets and the KMS key that encrypts them. */
export class Storage extends pulumi.ComponentResource {
  public readonly raw: PipelineBucket;
  public readonly processed: PipelineBucket;
  public readonly events: PipelineBucket;
  /** The KMS key that encrypts every object. */
  public readonly dataKey: aws.kms.Key;
  public readonly dataKeyArn: pulumi.Output<string>;
  public readonly rawBucketName: pulumi.Output<string>;
  public readonly processedBucketName: pulumi.Output<string>;
  public readonly eventsBucketName: pulumi.Output<string>;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Storage", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const names = stackPhysicalNames(args, args.storage.bucketPrefix);

    this.dataKey = new aws.kms.Key(
      `${name}-data-key`,
      {
        description: `Encrypts the objects of the ${args.project}-${args.stack} buckets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify(
          keyPolicy({
            partition: aws.getPartitionOutput({}, self).partition,
            accountId: aws.getCallerIdentityOutput({}, self).accountId,
            usage: DATA_KEY_USAGE,
          }),
        ),
        tags,
      },
      self,
    );
    new aws.kms.Alias(
      `${name}-data-key`,
      { name: names.dataKeyAlias, targetKeyId: this.dataKey.keyId },
      self,
    );

    const make = (role: BucketRole): PipelineBucket => {
      const { bucket, policy } = createHardenedBucket(
        `${name}-${role}`,
        {
          bucketPrefix: names.bucketPrefixes[role],
          forceDestroy: args.storage.forceDestroy,
          dataKeyArn: this.dataKey.arn,
          versioned: isVersioned(role),
          lifecycleRules: lifecycleRules(role, args.storage),
          tags: { ...tags, "pipeline:bucket": role },
        },
        this,
      );
      return { bucket, name: bucket.bucket, arn: bucket.arn, policy };
    };

    this.raw = make("raw");
    this.processed = make("processed");
    this.events = make("events");
    this.dataKeyArn = this.dataKey.arn;
    this.rawBucketName = this.raw.name;
    this.processedBucketName = this.processed.name;
    this.eventsBucketName = this.events.name;
    this.registerOutputs({
      rawBucketName: this.rawBucketName,
      processedBucketName: this.processedBucketName,
      eventsBucketName: this.eventsBucketName,
      dataKeyArn: this.dataKeyArn,
    });
  }
}
