/**
 * Whether a stack's physical names fit AWS's limits: `parseSettings` runs these checks when it is
 * given the project and stack names, so a name AWS would reject stops the program before any
 * resource is registered, with a message that says which name, the limit and the fix. Pure.
 */
import { nameViolation, NAME_LIMITS, PULUMI_STACK_NAME, type NameLimit } from "./limits";
import {
  BUCKET_PREFIX_MAX_LENGTH,
  S3_RESERVED_PREFIXES,
  stackPhysicalNames,
  type StackIdentity,
} from "./physical";
import { PROJECT, type Settings } from "./schema";

/** One physical name and the limit it must meet. */
interface NameCheck {
  readonly name: string;
  readonly limit: NameLimit;
  /** Whether the name comes from the bucket prefix (which storage.bucketPrefix can replace). */
  readonly bucket?: boolean;
}

/** The physical names `settings` make the program create, with their limits. */
export function nameChecks(id: StackIdentity, settings: Settings): NameCheck[] {
  const n = stackPhysicalNames(id, settings.storage.bucketPrefix);
  const L = NAME_LIMITS;
  const checks: NameCheck[] = [
    { name: n.cluster, limit: L.eksCluster },
    { name: n.controlPlaneLogGroup, limit: L.logGroup },
    { name: n.repository, limit: L.ecrRepository },
    { name: n.dataKeyAlias, limit: L.kmsAlias },
    { name: n.dashboard, limit: L.dashboard },
    { name: n.partOf, limit: L.k8sLabelValue },
    { name: n.bucketPrefixes.raw, limit: L.s3BucketPrefix, bucket: true },
    { name: n.bucketPrefixes.processed, limit: L.s3BucketPrefix, bucket: true },
    { name: n.bucketPrefixes.events, limit: L.s3BucketPrefix, bucket: true },
    { name: n.queues.preprocess, limit: L.sqsQueue },
    { name: n.queues.preprocessDlq, limit: L.sqsQueue },
    { name: n.queues.events, limit: L.sqsQueue },
    { name: n.queues.eventsDlq, limit: L.sqsQueue },
  ];
  const o = settings.orchestration;
  if (o.enabled) {
    checks.push(
      { name: n.bucketPrefixes.lake, limit: L.s3BucketPrefix, bucket: true },
      { name: n.queues.batchRulesDlq, limit: L.sqsQueue },
      { name: n.resultsTable, limit: L.dynamodbTable },
      { name: n.eventBus, limit: L.eventBus },
      { name: n.stateMachine, limit: L.stateMachine },
      { name: n.uploadRule, limit: L.eventRule },
    );
    if (o.engine === "emr") {
      checks.push(
        { name: n.virtualCluster, limit: L.emrVirtualCluster },
        { name: n.emrJobRole, limit: L.iamRole },
      );
    }
  }
  return checks;
}

/**
 * Problems with the project and stack names: Pulumi's own rule, then every physical name derived
 * from them. Each message names what to change (the stack name, or storage.bucketPrefix).
 */
export function stackNameProblems(id: StackIdentity, settings: Settings): string[] {
  for (const [what, value] of [
    ["project", id.project],
    ["stack", id.stack],
  ] as const) {
    if (!PULUMI_STACK_NAME.test(value)) {
      return [
        `${what} name ${JSON.stringify(value)}: Pulumi allows 1-100 letters, digits, "-", "_" and "."`,
      ];
    }
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const check of nameChecks(id, settings)) {
    const violation = nameViolation(check.limit, check.name);
    const reserved =
      check.bucket && S3_RESERVED_PREFIXES.find((p) => check.name.startsWith(p))
        ? `${check.limit.what} "${check.name}" starts with a prefix S3 reserves (${S3_RESERVED_PREFIXES.join(", ")})`
        : undefined;
    const reason = violation ?? reserved;
    if (!reason || seen.has(reason)) continue;
    seen.add(reason);
    problems.push(`stack name ${JSON.stringify(id.stack)}: ${reason}; ${fix(id, check)}`);
  }
  return problems;
}

/** How to make `check` pass: a shorter (or plainer) stack name, or a bucket prefix setting. */
function fix(id: StackIdentity, check: NameCheck): string {
  const overhead = check.name.length - id.stack.length;
  const longest = check.limit.max - overhead;
  const rename =
    check.name.length > check.limit.max
      ? longest > 0
        ? `use a stack name of at most ${longest} characters`
        : `use a shorter project name`
      : `use a stack name of lowercase letters, digits and single hyphens`;
  return check.bucket
    ? `set ${PROJECT}:storage.bucketPrefix (at most ${BUCKET_PREFIX_MAX_LENGTH} lowercase letters, digits and hyphens) or ${rename}`
    : rename;
}
