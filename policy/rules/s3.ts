/**
 * S3 rules. A bucket's encryption, public access block, policy and versioning are separate
 * resources in @pulumi/aws v7, so these are stack-level checks that pair each bucket with the
 * resources configuring it.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import {
  type Props,
  asList,
  forStack,
  label,
  parseDocument,
  readKnown,
  refersTo,
  type StackResource,
  type Violation,
} from "../support";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"] as const;
export const ENCRYPTION_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
] as const;
export const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy";
export const VERSIONING_TYPES = [
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
] as const;

/** Server-side encryption algorithms a default-encryption rule may use. */
export const SSE_ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];

const isBucket = (r: StackResource) => (BUCKET_TYPES as readonly string[]).includes(r.type);

/**
 * For every bucket, the resources of `types` that configure it (through their `bucket` property);
 * reports a bucket with none, or whose configurations all fail `problem` (which returns why, or
 * undefined when a configuration is good). `inline` may accept a setting made on the bucket itself.
 */
function eachBucket(
  resources: readonly StackResource[],
  types: readonly string[],
  what: string,
  problem: (config: Props) => string | undefined,
  inline?: (bucket: Props) => boolean,
  which: (bucket: StackResource) => boolean = () => true,
): Violation[] {
  const violations: Violation[] = [];
  for (const bucket of resources.filter((r) => isBucket(r) && which(r))) {
    if (inline?.(bucket.props)) continue;
    const configs = resources.filter(
      (r) => types.includes(r.type) && refersTo(r, "bucket", bucket),
    );
    if (configs.length === 0) {
      violations.push({ urn: bucket.urn, message: `${label(bucket)} has no ${what}` });
      continue;
    }
    const problems = configs.map((c) => problem(c.props));
    if (problems.every((p) => p !== undefined)) {
      violations.push({ urn: bucket.urn, message: `${label(bucket)}: ${problems[0]}` });
    }
  }
  return violations;
}

/** Why a default-encryption rule list does not encrypt new objects, or undefined when it does. */
export function encryptionProblem(rules: unknown): string | undefined {
  const algorithms = asList(rules as Props[]).map(
    (r) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm as unknown,
  );
  if (algorithms.some((a) => typeof a === "string" && SSE_ALGORITHMS.includes(a))) return undefined;
  return `default encryption must use one of ${SSE_ALGORITHMS.join(", ")} (got ${JSON.stringify(algorithms)})`;
}

/** Every bucket has a default server-side encryption configuration. */
export function checkBucketEncryption(resources: readonly StackResource[]): Violation[] {
  return eachBucket(
    resources,
    ENCRYPTION_TYPES,
    "server-side encryption configuration",
    (c) => encryptionProblem(readKnown(() => c.rules)),
    (b) => {
      const inline = readKnown(() => b.serverSideEncryptionConfiguration) as
        { rule?: unknown } | undefined;
      return inline?.rule !== undefined && encryptionProblem([inline.rule]) === undefined;
    },
  );
}

const BLOCK_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/** Every bucket has a public access block with all four flags on. */
export function checkPublicAccessBlock(resources: readonly StackResource[]): Violation[] {
  return eachBucket(resources, [PUBLIC_ACCESS_BLOCK_TYPE], "public access block", (c) => {
    const off = BLOCK_FLAGS.filter((f) => readKnown(() => c[f]) !== true);
    return off.length ? `public access block must set ${off.join(", ")} to true` : undefined;
  });
}

/** Whether a bucket policy document denies every request that does not use TLS. */
export function deniesInsecureTransport(document: unknown): boolean {
  if (document === undefined || document === null || document === "") return false;
  return parseDocument(document).some((s) => {
    if (s.effect !== "Deny") return false;
    const everyone = s.principals["*"] !== undefined || asList(s.principals.AWS).includes("*");
    const allActions = s.actions.some((a) => a === "s3:*" || a === "*");
    const secureTransport = asList(s.condition.Bool?.["aws:SecureTransport"] as string).map(String);
    const coversObjects = s.resources.some((r) => r.endsWith("/*"));
    const coversBucket = s.resources.some((r) => !r.endsWith("/*"));
    return (
      everyone && allActions && secureTransport.includes("false") && coversObjects && coversBucket
    );
  });
}

/** Every bucket has a policy that denies requests without TLS (bucket and objects). */
export function checkTlsOnly(resources: readonly StackResource[]): Violation[] {
  return eachBucket(
    resources,
    [BUCKET_POLICY_TYPE],
    "bucket policy",
    (c) =>
      deniesInsecureTransport(readKnown(() => c.policy))
        ? undefined
        : 'bucket policy must deny s3:* to everyone on the bucket and its objects when "aws:SecureTransport" is "false"',
    (b) => deniesInsecureTransport(readKnown(() => b.policy)),
  );
}

/**
 * Whether a bucket holds raw uploads: its logical name or physical name/prefix ends in `raw`
 * (the program names it `<project>-<stack>-raw`).
 */
export function isRawBucket(bucket: StackResource): boolean {
  const names = [
    bucket.name,
    readKnown(() => bucket.props.bucketPrefix),
    readKnown(() => bucket.props.bucket),
  ];
  return names.some((n) => typeof n === "string" && /(^|[-_.])raw([-_.]|$)/.test(n));
}

/** The raw-upload bucket has versioning enabled (a re-upload must not destroy the original). */
export function checkRawVersioning(resources: readonly StackResource[]): Violation[] {
  return eachBucket(
    resources,
    VERSIONING_TYPES,
    "versioning configuration",
    (c) => {
      const status = (
        readKnown(() => c.versioningConfiguration) as { status?: unknown } | undefined
      )?.status;
      return status === "Enabled"
        ? undefined
        : `versioning must be Enabled (got ${String(status)})`;
    },
    (b) => (readKnown(() => b.versioning) as { enabled?: unknown } | undefined)?.enabled === true,
    isRawBucket,
  );
}

export const s3Policies: StackValidationPolicy[] = [
  {
    name: "s3-bucket-encryption",
    description:
      "Every S3 bucket has default server-side encryption (SSE-KMS, DSSE-KMS or SSE-S3).",
    enforcementLevel: "mandatory",
    validateStack: forStack(BUCKET_TYPES, checkBucketEncryption),
  },
  {
    name: "s3-public-access-block",
    description: "Every S3 bucket has a public access block with all four settings on.",
    enforcementLevel: "mandatory",
    validateStack: forStack(BUCKET_TYPES, checkPublicAccessBlock),
  },
  {
    name: "s3-tls-only",
    description: "Every S3 bucket policy denies requests that do not use TLS.",
    enforcementLevel: "mandatory",
    validateStack: forStack(BUCKET_TYPES, checkTlsOnly),
  },
  {
    name: "s3-raw-versioning",
    description: "The raw-upload bucket keeps object versions.",
    enforcementLevel: "mandatory",
    validateStack: forStack(BUCKET_TYPES, checkRawVersioning),
  },
];
