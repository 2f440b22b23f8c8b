/**
 * Queries over a recorded program run that the diagrams need: which component owns a resource,
 * what a queue or bucket is called, which resource an ARN, URL or bucket name points at, and what
 * each workload's IAM role lets it read and write. Pure functions of the run.
 */
import type { ProgramRun, RecordedResource } from "../../harness/query";

export const TYPES = {
  bucket: "aws:s3/bucket:Bucket",
  queue: "aws:sqs/queue:Queue",
  notification: "aws:s3/bucketNotification:BucketNotification",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  bus: "aws:cloudwatch/eventBus:EventBus",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  table: "aws:dynamodb/table:Table",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  addon: "aws:eks/addon:Addon",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  deployment: "kubernetes:apps/v1:Deployment",
  scaledJob: "kubernetes:keda.sh/v1alpha1:ScaledJob",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** Every recorded resource of a type token. */
export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The top-level component (a `pipeline:*` resource with no parent) that owns `resource`. */
export function componentOf(run: ProgramRun, resource: RecordedResource): RecordedResource {
  let current = resource;
  for (;;) {
    const parent = run.resources.find((r) => r.urn === current.parent);
    if (!parent) return current;
    current = parent;
  }
}

/** The top-level components in registration order. */
export function components(run: ProgramRun): RecordedResource[] {
  return run.resources.filter((r) => !r.custom && !r.parent && r.type.startsWith("pipeline:"));
}

/** The title of a component: its type's last segment (`Queues`, `Orchestration`). */
export function componentTitle(component: RecordedResource): string {
  return component.type.split(":").pop() ?? component.name;
}

/**
 * The name a resource shows: its fixed physical name when the program sets one, otherwise the
 * prefix Pulumi completes with a random suffix (`ep-dev-raw-*`, `karpenter-interruption-*`).
 */
export function displayName(resource: RecordedResource): string {
  const inputs = resource.inputs;
  if (typeof inputs.name === "string") return inputs.name;
  if (typeof inputs.bucket === "string") return inputs.bucket;
  if (typeof inputs.bucketPrefix === "string") return `${inputs.bucketPrefix}*`;
  return `${resource.name}-*`;
}

/** The role a bucket plays: its `pipeline:bucket` tag, else its logical name after the component. */
export function bucketRole(run: ProgramRun, bucket: RecordedResource): string {
  const tag = (bucket.inputs.tags as Record<string, string> | undefined)?.["pipeline:bucket"];
  if (tag) return tag;
  const owner = componentOf(run, bucket).name;
  return bucket.name.startsWith(`${owner}-`) ? bucket.name.slice(owner.length + 1) : bucket.name;
}

/**
 * The resource an ARN, queue URL, bucket name or table name refers to (by its mocked state), or
 * undefined. For an S3 object ARN (`arn:aws:s3:::bucket/prefix*`) the bucket is returned.
 */
export function resolve(run: ProgramRun, reference: string): RecordedResource | undefined {
  const bucket = /^arn:[^:]+:s3:::([^/]+)/.exec(reference)?.[1];
  if (bucket) return ofType(run, TYPES.bucket).find((r) => r.id === bucket);
  const custom = run.resources.filter((r) => r.custom);
  return (
    custom.find((r) => r.state.arn === reference || r.state.url === reference) ??
    custom.find((r) => [TYPES.bucket, TYPES.table].some((t) => t === r.type) && r.id === reference)
  );
}

/** A queue's redrive: its dead-letter queue and maxReceiveCount, when it has one. */
export function redriveOf(
  run: ProgramRun,
  queue: RecordedResource,
): { dlq: RecordedResource; maxReceiveCount: number } | undefined {
  const raw = queue.inputs.redrivePolicy as string | undefined;
  if (!raw) return undefined;
  const policy = JSON.parse(raw) as { deadLetterTargetArn: string; maxReceiveCount: number };
  const dlq = resolve(run, policy.deadLetterTargetArn);
  return dlq ? { dlq, maxReceiveCount: policy.maxReceiveCount } : undefined;
}

/** One IAM statement, normalised. */
export interface Grant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The Allow statements of every inline policy of `role`. */
export function grantsOf(run: ProgramRun, role: RecordedResource): Grant[] {
  const toList = (v: unknown) => (Array.isArray(v) ? (v as string[]) : [v as string]);
  return ofType(run, TYPES.rolePolicy)
    .filter((p) => p.inputs.role === role.id || p.inputs.role === role.state.name)
    .flatMap((p) => {
      const doc = JSON.parse(p.inputs.policy as string) as {
        Statement: { Effect: string; Action: unknown; Resource: unknown }[];
      };
      return doc.Statement.filter((s) => s.Effect === "Allow").map((s) => ({
        actions: toList(s.Action),
        resources: toList(s.Resource),
      }));
    });
}

/** `<namespace>/<service account>` → the IAM role EKS Pod Identity gives its pods. */
export function podIdentityRoles(run: ProgramRun): Map<string, RecordedResource> {
  const roles = new Map<string, RecordedResource>();
  for (const association of ofType(run, TYPES.podIdentity)) {
    const role = resolve(run, association.inputs.roleArn as string);
    const key = `${association.inputs.namespace as string}/${association.inputs.serviceAccount as string}`;
    if (role) roles.set(key, role);
  }
  return roles;
}

/** The object key patterns an S3 statement grants within one bucket (`output/*`), or `*`. */
export function keyPatterns(grant: Grant, bucket: RecordedResource): string[] {
  const arn = bucket.state.arn as string;
  return grant.resources
    .filter((r) => r === arn || r.startsWith(`${arn}/`))
    .map((r) => (r === arn ? "*" : r.slice(arn.length + 1)))
    .sort();
}
