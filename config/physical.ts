/**
 * Every physical name the program derives from the project and stack names (and
 * settings.storage.bucketPrefix), in one place: the components take them from here, and `fit.ts`
 * checks them against AWS's limits before any resource exists. Pure.
 */
import { NAME_LIMITS } from "./limits";
import { physicalNames } from "./names";

/** The Pulumi project and stack a program runs as. */
export interface StackIdentity {
  readonly project: string;
  readonly stack: string;
}

/** The physical names of one stack. */
export interface StackPhysicalNames {
  /** EKS cluster (also in subnet discovery tags and the node names). */
  readonly cluster: string;
  readonly controlPlaneLogGroup: string;
  readonly repository: string;
  readonly dataKeyAlias: string;
  readonly dashboard: string;
  /** `bucketPrefix` of each bucket (the provider appends a 26-character unique suffix). */
  readonly bucketPrefixes: Readonly<Record<"raw" | "processed" | "events" | "lake", string>>;
  readonly queues: Readonly<
    Record<"preprocess" | "preprocessDlq" | "events" | "eventsDlq" | "batchRulesDlq", string>
  >;
  /** The orchestrated variant's names. */
  readonly resultsTable: string;
  readonly eventBus: string;
  readonly stateMachine: string;
  readonly uploadRule: string;
  readonly virtualCluster: string;
  /** The EMR engine's job execution role (named: EMR's service account names derive from it). */
  readonly emrJobRole: string;
  /** Value of the `app.kubernetes.io/part-of` label. */
  readonly partOf: string;
}

/** The physical names of `id`'s stack; `bucketPrefix` replaces `<project>-<stack>` in bucket names. */
export function stackPhysicalNames(id: StackIdentity, bucketPrefix?: string): StackPhysicalNames {
  const base = `${id.project}-${id.stack}`;
  const p = physicalNames(id.project, id.stack, bucketPrefix);
  return {
    cluster: base,
    controlPlaneLogGroup: `/aws/eks/${base}/cluster`,
    repository: `${base}-processor`,
    dataKeyAlias: `alias/${base}-data`,
    dashboard: base,
    bucketPrefixes: {
      raw: `${p.rawBucket}-`,
      processed: `${p.processedBucket}-`,
      events: `${p.eventsBucket}-`,
      lake: `${p.lakeBucket}-`,
    },
    queues: {
      preprocess: p.preprocessQueue,
      preprocessDlq: p.preprocessDlq,
      events: p.eventsQueue,
      eventsDlq: p.eventsDlq,
      batchRulesDlq: `${base}-batch-rules-dlq`,
    },
    resultsTable: `${base}-batch-results`,
    eventBus: `${base}-pipeline`,
    stateMachine: `${base}-batch`,
    uploadRule: `${base}-batch-uploads`,
    virtualCluster: `${base}-batch`,
    emrJobRole: `${base}-emr-job`,
    partOf: id.project,
  };
}

/**
 * The longest `storage.bucketPrefix` whose every bucket prefix still fits the provider's limit
 * (37 less the longest role suffix, `-processed-`).
 */
export const BUCKET_PREFIX_MAX_LENGTH =
  NAME_LIMITS.s3BucketPrefix.max -
  Math.max(
    ...Object.values(stackPhysicalNames({ project: "", stack: "" }, "").bucketPrefixes).map(
      (p) => p.length,
    ),
  );

/** Bucket name starts S3 reserves (bucketnamingrules.html). */
export const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
