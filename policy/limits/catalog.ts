/**
 * AWS's input limits for the resource types the program creates, each with its source (an AWS
 * documentation page or the provider's validation) and a passing and a violating input, checked over
 * the recorded resource graph of every stack file (`npm run limits`). The mocks accept anything;
 * this is what AWS would refuse. Name limits come from `config/limits.ts`, which `parseSettings`
 * also checks, so the two cannot drift.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped payloads */
import {
  EKS_KUBERNETES_VERSIONS,
  LOG_RETENTION_DAYS,
  NAME_LIMITS,
  nameViolation,
  type NameLimit,
} from "../../config/limits";

/** One limit. */
export interface Limit {
  readonly id: string;
  /** Resource type tokens it governs. */
  readonly types: readonly string[];
  readonly source: string;
  /** Why `inputs` violate the limit, or undefined. Absent properties pass (AWS defaults apply). */
  readonly check: (inputs: Record<string, any>) => string | undefined;
  /** Inputs that meet it and inputs that break it (the catalog's own test uses both). */
  readonly pass: Record<string, any>;
  readonly fail: Record<string, any>;
}

const docs = (path: string) => `https://docs.aws.amazon.com/${path}`;
const parse = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);
/** Characters of a policy document without whitespace, as IAM counts them. */
const compactLength = (v: unknown): number =>
  (typeof v === "string" ? v : JSON.stringify(v)).replace(/\s/g, "").length;
const size = (v: unknown): number =>
  Buffer.byteLength(typeof v === "string" ? v : JSON.stringify(v), "utf8");

function name(
  id: string,
  types: string[],
  prop: string,
  limit: NameLimit,
  pass: string,
  fail: string,
): Limit {
  return {
    id,
    types,
    source: limit.source,
    check: (i) => (typeof i[prop] === "string" ? nameViolation(limit, i[prop]) : undefined),
    pass: { [prop]: pass },
    fail: { [prop]: fail },
  };
}

function range(
  id: string,
  types: string[],
  path: string,
  min: number,
  max: number,
  source: string,
): Limit {
  const get = (i: Record<string, any>): unknown =>
    path.split(".").reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[k]), i);
  const set = (v: number): Record<string, any> =>
    path
      .split(".")
      .reverse()
      .reduce<any>((inner, k) => ({ [k]: inner }), v);
  return {
    id,
    types,
    source,
    check: (i) => {
      const v = get(i);
      if (v === undefined || v === null) return undefined;
      const n = Number(v);
      return Number.isInteger(n) && n >= min && n <= max
        ? undefined
        : `${path} ${String(v)} is outside ${min}-${max}`;
    },
    pass: set(min),
    fail: set(max + 1),
  };
}

function maxSize(
  id: string,
  types: string[],
  prop: string,
  max: number,
  source: string,
  measure: (v: unknown) => number = size,
): Limit {
  return {
    id,
    types,
    source,
    check: (i) => {
      if (i[prop] === undefined) return undefined;
      const n = measure(i[prop]);
      return n <= max ? undefined : `${prop} is ${n} long; AWS allows ${max}`;
    },
    pass: { [prop]: "x" },
    fail: { [prop]: "x".repeat(max + 1) },
  };
}

const T = {
  bucket: "aws:s3/bucket:Bucket",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  notification: "aws:s3/bucketNotification:BucketNotification",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  cluster: "eks:index:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  addon: "aws:eks/addon:Addon",
  ecr: "aws:ecr/repository:Repository",
  ecrLifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  table: "aws:dynamodb/table:Table",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  machine: "aws:sfn/stateMachine:StateMachine",
  rule: "aws:cloudwatch/eventRule:EventRule",
  bus: "aws:cloudwatch/eventBus:EventBus",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  virtualCluster: "aws:emrcontainers/virtualCluster:VirtualCluster",
};
const L = NAME_LIMITS;
const SQS = docs("AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html");
const IAM_QUOTAS = docs("IAM/latest/UserGuide/reference_iam-quotas.html");
const TAGS = docs("tag-editor/latest/userguide/tagging.html");

/** Per-resource limits (a resource's own inputs). */
export const LIMITS: readonly Limit[] = [
  name("s3-bucket-prefix", [T.bucket], "bucketPrefix", L.s3BucketPrefix, "ab-raw-", "a".repeat(38)),
  name("s3-bucket-name", [T.bucket], "bucket", L.s3Bucket, "abc", "Ab"),
  name("sqs-queue-name", [T.queue], "name", L.sqsQueue, "q-1", "q".repeat(81)),
  name("eks-cluster-name", [T.cluster], "name", L.eksCluster, "c-1", "c.1"),
  name("ecr-repository-name", [T.ecr], "name", L.ecrRepository, "a-b", "A"),
  name("kms-alias-name", [T.alias], "name", L.kmsAlias, "alias/a-b", "alias/a.b"),
  name("dynamodb-table-name", [T.table], "name", L.dynamodbTable, "abc", "ab"),
  name("eventbridge-bus-name", [T.bus], "name", L.eventBus, "a-b", "a b"),
  name("eventbridge-rule-name", [T.rule], "name", L.eventRule, "a-b", "r".repeat(65)),
  name("sfn-state-machine-name", [T.machine], "name", L.stateMachine, "a-b", "s".repeat(81)),
  name(
    "emr-virtual-cluster-name",
    [T.virtualCluster],
    "name",
    L.emrVirtualCluster,
    "a",
    "v".repeat(65),
  ),
  name("cloudwatch-dashboard-name", [T.dashboard], "dashboardName", L.dashboard, "a-b", "a.b"),
  name("cloudwatch-log-group-name", [T.logGroup], "name", L.logGroup, "/aws/x", "a b"),
  name("iam-role-name", [T.role], "name", L.iamRole, "a-b", "r".repeat(65)),
  {
    id: "iam-role-name-prefix",
    types: [T.role],
    source: "terraform-provider-aws internal/service/iam/role.go (name_prefix: at most 64-26 = 38)",
    check: (i) =>
      typeof i.namePrefix === "string" && i.namePrefix.length > 38
        ? `namePrefix has ${i.namePrefix.length} characters; at most 38`
        : undefined,
    pass: { namePrefix: "r".repeat(38) },
    fail: { namePrefix: "r".repeat(39) },
  },
  name(
    "sns-topic-name",
    [T.topic],
    "name",
    {
      ...L.sqsQueue,
      what: "SNS topic name",
      max: 256,
      source: docs("sns/latest/api/API_CreateTopic.html (Name)"),
    },
    "t",
    "t".repeat(257),
  ),
  maxSize(
    "iam-trust-policy-size",
    [T.role],
    "assumeRolePolicy",
    2048,
    IAM_QUOTAS + " (role trust policy: 2,048 characters)",
    compactLength,
  ),
  maxSize(
    "iam-managed-policy-size",
    [T.policy],
    "policy",
    6144,
    IAM_QUOTAS + " (managed policy: 6,144 characters)",
    compactLength,
  ),
  maxSize(
    "iam-role-description",
    [T.role],
    "description",
    1000,
    docs("IAM/latest/APIReference/API_CreateRole.html (Description)"),
    (v) => String(v).length,
  ),
  range(
    "iam-role-max-session",
    [T.role],
    "maxSessionDuration",
    3600,
    43200,
    docs("IAM/latest/APIReference/API_CreateRole.html (MaxSessionDuration)"),
  ),
  maxSize(
    "sqs-queue-policy-size",
    [T.queuePolicy],
    "policy",
    20480,
    docs("AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html (20 KB)"),
  ),
  maxSize(
    "s3-bucket-policy-size",
    [T.bucketPolicy],
    "policy",
    20480,
    docs("AmazonS3/latest/userguide/bucket-policies.html (20 KB)"),
  ),
  maxSize(
    "sns-topic-policy-size",
    [T.topicPolicy],
    "policy",
    30720,
    docs("general/latest/gr/sns.html (topic policy 30 KB)"),
  ),
  maxSize(
    "kms-key-policy-size",
    [T.key],
    "policy",
    32768,
    docs("kms/latest/developerguide/resource-limits.html (key policy 32 KB)"),
  ),
  maxSize(
    "kms-key-description",
    [T.key],
    "description",
    8192,
    docs("kms/latest/APIReference/API_CreateKey.html (Description)"),
    (v) => String(v).length,
  ),
  range(
    "kms-deletion-window",
    [T.key],
    "deletionWindowInDays",
    7,
    30,
    docs("kms/latest/APIReference/API_ScheduleKeyDeletion.html (PendingWindowInDays)"),
  ),
  maxSize(
    "sfn-definition-size",
    [T.machine],
    "definition",
    1048576,
    docs("step-functions/latest/apireference/API_CreateStateMachine.html (definition: 1,048,576)"),
  ),
  maxSize(
    "eventbridge-pattern-size",
    [T.rule],
    "eventPattern",
    4096,
    docs("eventbridge/latest/APIReference/API_PutRule.html (EventPattern: 4,096)"),
    (v) => String(v).length,
  ),
  maxSize(
    "eventbridge-rule-description",
    [T.rule],
    "description",
    512,
    docs("eventbridge/latest/APIReference/API_PutRule.html (Description: 512)"),
    (v) => String(v).length,
  ),
  range(
    "eventbridge-target-event-age",
    [T.target],
    "retryPolicy.maximumEventAgeInSeconds",
    60,
    86400,
    docs("eventbridge/latest/APIReference/API_RetryPolicy.html"),
  ),
  range(
    "eventbridge-target-retries",
    [T.target],
    "retryPolicy.maximumRetryAttempts",
    0,
    185,
    docs("eventbridge/latest/APIReference/API_RetryPolicy.html"),
  ),
  range(
    "sqs-visibility-timeout",
    [T.queue],
    "visibilityTimeoutSeconds",
    0,
    43200,
    SQS + " (VisibilityTimeout)",
  ),
  range(
    "sqs-message-retention",
    [T.queue],
    "messageRetentionSeconds",
    60,
    1209600,
    SQS + " (MessageRetentionPeriod)",
  ),
  range("sqs-delay", [T.queue], "delaySeconds", 0, 900, SQS + " (DelaySeconds)"),
  range(
    "sqs-receive-wait",
    [T.queue],
    "receiveWaitTimeSeconds",
    0,
    20,
    SQS + " (ReceiveMessageWaitTimeSeconds)",
  ),
  range(
    "sqs-kms-reuse",
    [T.queue],
    "kmsDataKeyReusePeriodSeconds",
    60,
    86400,
    SQS + " (KmsDataKeyReusePeriodSeconds)",
  ),
  {
    id: "sqs-max-receive-count",
    types: [T.queue],
    source: docs(
      "AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html (maxReceiveCount 1-1,000)",
    ),
    check: (i) => {
      if (!i.redrivePolicy) return undefined;
      const n = Number((parse(i.redrivePolicy) as { maxReceiveCount?: unknown }).maxReceiveCount);
      return n >= 1 && n <= 1000 ? undefined : `maxReceiveCount ${n} is outside 1-1000`;
    },
    pass: { redrivePolicy: JSON.stringify({ maxReceiveCount: 5 }) },
    fail: { redrivePolicy: JSON.stringify({ maxReceiveCount: 1001 }) },
  },
  {
    id: "log-group-retention",
    types: [T.logGroup],
    source: docs(
      "AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html (retentionInDays values)",
    ),
    check: (i) =>
      i.retentionInDays === undefined ||
      (LOG_RETENTION_DAYS as readonly number[]).includes(Number(i.retentionInDays))
        ? undefined
        : `retentionInDays ${i.retentionInDays} is not one CloudWatch Logs allows`,
    pass: { retentionInDays: 30 },
    fail: { retentionInDays: 31 },
  },
  {
    id: "alarm-period",
    types: [T.alarm],
    source: docs(
      "AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (Period: 10, 20, 30 or a multiple of 60)",
    ),
    check: (i) => {
      if (i.period === undefined) return undefined;
      const p = Number(i.period);
      return [10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0) ? undefined : `period ${p}`;
    },
    pass: { period: 300 },
    fail: { period: 45 },
  },
  range(
    "alarm-evaluation-periods",
    [T.alarm],
    "evaluationPeriods",
    1,
    100000,
    docs("AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (EvaluationPeriods >= 1)"),
  ),
  {
    id: "alarm-datapoints",
    types: [T.alarm],
    source: docs(
      "AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (DatapointsToAlarm <= EvaluationPeriods)",
    ),
    check: (i) =>
      i.datapointsToAlarm === undefined ||
      Number(i.datapointsToAlarm) <= Number(i.evaluationPeriods)
        ? undefined
        : "datapointsToAlarm exceeds evaluationPeriods",
    pass: { evaluationPeriods: 3, datapointsToAlarm: 3 },
    fail: { evaluationPeriods: 2, datapointsToAlarm: 3 },
  },
  maxSize(
    "alarm-name",
    [T.alarm],
    "name",
    255,
    docs("AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName: 255)"),
    (v) => String(v).length,
  ),
  maxSize(
    "alarm-description",
    [T.alarm],
    "alarmDescription",
    1024,
    docs("AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmDescription: 1,024)"),
    (v) => String(v).length,
  ),
  {
    id: "eks-version",
    types: [T.cluster],
    source: docs(
      "eks/latest/userguide/kubernetes-versions.html (standard and extended support versions)",
    ),
    check: (i) =>
      i.version === undefined ||
      (EKS_KUBERNETES_VERSIONS as readonly string[]).includes(String(i.version))
        ? undefined
        : `version ${i.version} is not a version EKS offers`,
    pass: { version: "1.33" },
    fail: { version: "1.20" },
  },
  range(
    "eks-nodegroup-max",
    [T.nodeGroup],
    "scalingConfig.maxSize",
    1,
    1000,
    docs("eks/latest/APIReference/API_NodegroupScalingConfig.html (maxSize >= 1)"),
  ),
  {
    id: "eks-nodegroup-desired",
    types: [T.nodeGroup],
    source: docs(
      "eks/latest/APIReference/API_NodegroupScalingConfig.html (minSize <= desiredSize <= maxSize)",
    ),
    check: (i) => {
      const s = i.scalingConfig;
      if (!s) return undefined;
      return s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize
        ? undefined
        : "min <= desired <= max";
    },
    pass: { scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 } },
    fail: { scalingConfig: { minSize: 3, desiredSize: 2, maxSize: 3 } },
  },
  {
    id: "eks-addon-version",
    types: [T.addon],
    source: docs(
      "eks/latest/APIReference/API_CreateAddon.html (addonVersion as DescribeAddonVersions lists it)",
    ),
    check: (i) =>
      i.addonVersion === undefined || /^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(String(i.addonVersion))
        ? undefined
        : `addonVersion ${i.addonVersion} is not an EKS add-on version`,
    pass: { addonVersion: "v1.3.8-eksbuild.2" },
    fail: { addonVersion: "1.3.8" },
  },
  maxSize(
    "ecr-lifecycle-policy-size",
    [T.ecrLifecycle],
    "policy",
    30720,
    docs("AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html (lifecyclePolicyText: 30,720)"),
    (v) => String(v).length,
  ),
  range(
    "launch-template-hop-limit",
    [T.launchTemplate],
    "metadataOptions.httpPutResponseHopLimit",
    1,
    64,
    docs("AWSEC2/latest/APIReference/API_LaunchTemplateInstanceMetadataOptionsRequest.html"),
  ),
  {
    id: "s3-lifecycle-days",
    types: [T.lifecycle],
    source: docs(
      "AmazonS3/latest/userguide/intro-lifecycle-rules.html (Days, NoncurrentDays, DaysAfterInitiation: positive integers; at most 1,000 rules)",
    ),
    check: (i) => {
      const rules = (i.rules ?? []) as any[];
      if (rules.length > 1000) return `${rules.length} rules; at most 1000`;
      const days = rules.flatMap((r) => [
        r.expiration?.days,
        r.noncurrentVersionExpiration?.noncurrentDays,
        r.abortIncompleteMultipartUpload?.daysAfterInitiation,
      ]);
      return days.some((d) => d !== undefined && !(Number.isInteger(d) && d >= 1))
        ? "a lifecycle day count is not a positive integer"
        : undefined;
    },
    pass: { rules: [{ expiration: { days: 1 } }] },
    fail: { rules: [{ expiration: { days: 0 } }] },
  },
  {
    id: "s3-notification-overlap",
    types: [T.notification],
    source: docs(
      "AmazonS3/latest/userguide/notification-how-to-filtering.html (configurations whose prefix and suffix filters can match the same key for the same event type are refused)",
    ),
    check: (i) => {
      const configs = ["queues", "topics", "lambdaFunctions"].flatMap((k) => (i[k] ?? []) as any[]);
      for (const [n, a] of configs.entries()) {
        for (const b of configs.slice(n + 1)) {
          if (notificationFiltersOverlap(a, b)) {
            return `configurations ${String(a.id)} and ${String(b.id)} can match the same key`;
          }
        }
      }
      return undefined;
    },
    pass: {
      queues: [
        { id: "a", events: ["s3:ObjectCreated:*"], filterPrefix: "in/", filterSuffix: ".csv" },
        { id: "b", events: ["s3:ObjectCreated:*"], filterPrefix: "in/", filterSuffix: ".csv.gz" },
      ],
    },
    fail: {
      queues: [
        { id: "a", events: ["s3:ObjectCreated:*"], filterPrefix: "in/", filterSuffix: ".gz" },
        { id: "b", events: ["s3:ObjectCreated:Put"], filterPrefix: "in/", filterSuffix: ".csv.gz" },
      ],
    },
  },
  {
    id: "aws-tags",
    types: ["*"],
    source: TAGS + " (at most 50 tags; key 1-128, value 0-256 characters; no aws: prefix)",
    check: (i) => {
      const tags = i.tags as Record<string, unknown> | undefined;
      if (!tags || typeof tags !== "object") return undefined;
      const keys = Object.keys(tags);
      if (keys.length > 50) return `${keys.length} tags; at most 50`;
      const bad = keys.find(
        (k) => k.length > 128 || k.toLowerCase().startsWith("aws:") || String(tags[k]).length > 256,
      );
      return bad ? `tag ${JSON.stringify(bad)} breaks the tag rules` : undefined;
    },
    pass: { tags: { a: "b" } },
    fail: { tags: { "aws:x": "b" } },
  },
];

/** Whether two S3 event types can name the same event (`s3:ObjectCreated:*` covers `…:Put`). */
function eventTypesOverlap(a: string, b: string): boolean {
  const family = (e: string) => (e.endsWith(":*") ? e.slice(0, -1) : e);
  return (
    a === b ||
    (a.endsWith(":*") && b.startsWith(family(a))) ||
    (b.endsWith(":*") && a.startsWith(family(b)))
  );
}

/**
 * Whether two notification configurations can fire for one key and event: a common event type, one
 * prefix a prefix of the other, and one suffix a suffix of the other (an absent filter matches all).
 */
export function notificationFiltersOverlap(a: any, b: any): boolean {
  const events = (c: any) => (c.events ?? []) as string[];
  const sharedEvent = events(a).some((x) => events(b).some((y) => eventTypesOverlap(x, y)));
  const pa = String(a.filterPrefix ?? "");
  const pb = String(b.filterPrefix ?? "");
  const sa = String(a.filterSuffix ?? "");
  const sb = String(b.filterSuffix ?? "");
  const prefixes = pa.startsWith(pb) || pb.startsWith(pa);
  const suffixes = sa.endsWith(sb) || sb.endsWith(sa);
  return sharedEvent && prefixes && suffixes;
}

/** A limit over several resources: a role's inline policies together. */
export const ROLE_INLINE_POLICIES_MAX = 10240;
export const ROLE_INLINE_SOURCE =
  IAM_QUOTAS + " (a role's inline policies together: 10,240 characters)";

/** Total non-whitespace characters of the inline policies per role name. */
export function inlinePolicyTotals(
  policies: readonly { role: string; policy: unknown }[],
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const p of policies) totals.set(p.role, (totals.get(p.role) ?? 0) + compactLength(p.policy));
  return totals;
}

/** One resource for the catalog. */
export interface LimitSubject {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}

/** Every violation in a resource graph: `<limit id> <type>::<name>: <reason>`. */
export function limitViolations(resources: readonly LimitSubject[]): string[] {
  const out: string[] = [];
  for (const r of resources) {
    if (!r.type.startsWith("aws:") && !r.type.startsWith("eks:")) continue;
    for (const limit of LIMITS) {
      if (!limit.types.includes(r.type) && !(limit.types[0] === "*" && r.type.startsWith("aws:")))
        continue;
      const reason = limit.check(r.inputs);
      if (reason) out.push(`${limit.id} ${r.type}::${r.name}: ${reason}`);
    }
  }
  const inline = resources
    .filter((r) => r.type === T.rolePolicy && r.inputs.policy !== undefined)
    .map((r) => ({ role: String(r.inputs.role), policy: r.inputs.policy }));
  for (const [role, total] of inlinePolicyTotals(inline)) {
    if (total > ROLE_INLINE_POLICIES_MAX) {
      out.push(
        `iam-role-inline-policies role ${role}: ${total} characters; at most ${ROLE_INLINE_POLICIES_MAX}`,
      );
    }
  }
  return out;
}
