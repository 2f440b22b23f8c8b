/**
 * The program's settings: one zod schema with a default for everything configurable, validated once.
 * `index.ts` feeds it from the stack's Pulumi config; local mode feeds it from `Pulumi.<stack>.yaml`.
 * Pure: no Pulumi engine, no I/O.
 */
import { z } from "zod";

/** The Pulumi project name; config keys are `<project>:<key>`. */
export const PROJECT = "event-pipeline";

const int = () => z.number().int();
const positiveInt = () => int().min(1);
const seconds = (min: number, max: number) => int().min(min).max(max);
const cidr = z
  .string()
  .regex(
    /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/,
    "must be an IPv4 CIDR like 10.0.0.0/16",
  )
  .refine((value) => parseCidr(value) !== undefined, "must be an IPv4 CIDR like 10.0.0.0/16");
const emails = z.array(z.email("must be an e-mail address")).default([]);
const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type like m7i.large");

export const networkSchema = z.strictObject({
  /** VPC CIDR; split into one public and one private subnet per AZ. */
  cidr: cidr.default("10.0.0.0/16"),
  /** Availability zones to spread over. */
  azCount: int().min(2).max(3).default(2),
  /** NAT gateways: 1 (cheap) up to one per AZ (zonal resilience). */
  natGateways: int().min(1).max(3).default(1),
  /** Prefix length of each private subnet (public subnets are 4 bits smaller in addresses). */
  privateSubnetPrefix: int().min(16).max(24).default(19),
});

export const nodeGroupSchema = z.strictObject({
  /** Instance types of the managed node group that hosts system pods and, without Karpenter, workloads. */
  instanceTypes: z.array(instanceType).min(1).default(["m7i.large"]),
  /** ON_DEMAND or SPOT capacity for the managed node group. */
  capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
  minSize: int().min(1).max(100).default(2),
  desiredSize: int().min(1).max(100).default(2),
  maxSize: int().min(1).max(100).default(4),
  /** Root volume size of each node, GiB. */
  diskSizeGiB: int().min(20).max(1000).default(40),
});

export const clusterSchema = z.strictObject({
  /** EKS Kubernetes version (minor). */
  kubernetesVersion: z
    .string()
    .regex(/^1\.(2[89]|3\d)$/, "must be a supported EKS minor version like 1.33")
    .default("1.33"),
  /** Whether the API server endpoint is reachable from the internet (restricted by publicAccessCidrs). */
  endpointPublicAccess: z.boolean().default(true),
  /** CIDRs allowed to reach a public API endpoint. */
  publicAccessCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
  /** Pinned version of the eks-pod-identity-agent add-on. */
  podIdentityAgentVersion: z
    .string()
    .regex(
      /^v\d+\.\d+\.\d+-eksbuild\.\d+$/,
      "must be an exact add-on version like v1.3.8-eksbuild.2",
    )
    .default("v1.3.8-eksbuild.2"),
  /** Retention of the control-plane log group, days. */
  logRetentionDays: z
    .union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
    ])
    .default(30),
  /** IAM principals (role or user ARNs) that get cluster-admin access entries besides the creator. */
  adminPrincipalArns: z
    .array(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
          "must be an IAM role or user ARN",
        ),
    )
    .default([]),
  nodeGroup: nodeGroupSchema.prefault({}),
});

export const storageSchema = z.strictObject({
  /** Let `pulumi destroy` delete non-empty buckets (dev only). */
  forceDestroy: z.boolean().default(false),
  /** Days before raw uploads expire (0 = keep forever). */
  rawRetentionDays: int().min(0).max(3650).default(90),
  /** Days before processed outputs expire (0 = keep forever). */
  processedRetentionDays: int().min(0).max(3650).default(365),
  /** Days before stored events expire (0 = keep forever). */
  eventsRetentionDays: int().min(0).max(3650).default(365),
  /** Days before non-current versions of raw uploads expire. */
  noncurrentVersionDays: int().min(1).max(3650).default(30),
});

export const queuesSchema = z.strictObject({
  /** Visibility timeout of the preprocess queue; must exceed a job's expected run time. */
  preprocessVisibilityTimeoutSeconds: seconds(30, 43200).default(900),
  /** Expected run time of one preprocess job (a file); the queue's timeout and alarms derive from it. */
  preprocessExpectedSeconds: seconds(10, 43200).default(300),
  /** Visibility timeout of the events queue; must exceed the consumer's batch age plus upload time. */
  eventsVisibilityTimeoutSeconds: seconds(30, 43200).default(120),
  /** Receives before a message moves to its DLQ. */
  maxReceiveCount: int().min(1).max(1000).default(5),
  /** Retention of messages in the main queues. */
  messageRetentionSeconds: seconds(60, 1209600).default(345600),
});

const strategies = ["default", "custom", "accurate", "eager"] as const;

export const consumerScalingSchema = z.strictObject({
  /** How often KEDA reads the queue, seconds. */
  pollingInterval: seconds(1, 3600).default(15),
  /** Seconds after the last active trigger before scaling to zero. */
  cooldownPeriod: seconds(0, 86400).default(120),
  minReplicas: int().min(0).max(100).default(0),
  maxReplicas: int().min(1).max(200).default(10),
  /** Target messages per replica. */
  queueLength: positiveInt().max(100000).default(500),
  /** Messages above which the workload is activated from zero. */
  activationQueueLength: int().min(0).max(100000).default(0),
  /** HPA scale-down stabilization window, seconds. */
  scaleDownStabilizationSeconds: seconds(0, 3600).default(60),
});

export const preprocessScalingSchema = z.strictObject({
  pollingInterval: seconds(1, 3600).default(10),
  /** Maximum number of preprocess jobs running at once. */
  maxReplicaCount: int().min(1).max(500).default(20),
  /** Messages per job (one file per job). */
  targetQueueLength: positiveInt().max(1000).default(1),
  activationQueueLength: int().min(0).max(1000).default(0),
  /** KEDA ScaledJob scaling strategy. */
  scalingStrategy: z.enum(strategies).default("accurate"),
  successfulJobsHistoryLimit: int().min(0).max(100).default(5),
  failedJobsHistoryLimit: int().min(0).max(100).default(5),
  /** Hard limit on one job's run time, seconds. */
  activeDeadlineSeconds: seconds(60, 86400).default(1800),
  backoffLimit: int().min(0).max(10).default(1),
  ttlSecondsAfterFinished: seconds(0, 604800).default(3600),
});

export const kedaSchema = z.strictObject({
  /** Pinned version of the kedacore/keda Helm chart (2.20.x). */
  chartVersion: z
    .string()
    .regex(/^2\.20\.\d+$/, "must be an exact 2.20.x chart version like 2.20.1")
    .default("2.20.1"),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63)
    .default("keda"),
  consumer: consumerScalingSchema.prefault({}),
  preprocess: preprocessScalingSchema.prefault({}),
});

export const workloadsSchema = z.strictObject({
  /** Namespace of the producer, consumer and preprocess jobs. */
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label")
    .max(63)
    .default("pipeline"),
  /** Producer replicas (0 = no producer). */
  producerReplicas: int().min(0).max(50).default(1),
  /** Events per second per producer (0 = as fast as possible). */
  eventsPerSecond: int().min(0).max(10000).default(20),
  /** Share of deliberately invalid events (no store_id). */
  badEventRatio: z.number().min(0).max(1).default(0.02),
  /** Events per NDJSON object at most. */
  consumerBatchMaxEvents: positiveInt().max(100000).default(5000),
  /** Seconds a batch may wait before it is flushed. */
  consumerBatchMaxAgeSeconds: seconds(1, 900).default(30),
});

export const imageSchema = z.strictObject({
  /** Images kept in ECR; older ones expire. */
  keepLastImages: int().min(1).max(1000).default(20),
  platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
});

export const karpenterSchema = z.strictObject({
  /** Pinned Karpenter chart version (OCI, 1.x). */
  chartVersion: z
    .string()
    .regex(/^1\.\d+\.\d+$/, "must be an exact 1.x chart version like 1.14.1")
    .default("1.14.1"),
  /** Pinned EC2NodeClass AMI alias, e.g. al2023@v20250920. */
  amiAlias: z
    .string()
    .regex(/^(al2023|bottlerocket)@v\d{8}$/, "must be a pinned alias like al2023@v20250920")
    .default("al2023@v20251117"),
  /** Instance families or types the job pool may buy. */
  jobInstanceTypes: z
    .array(instanceType)
    .min(1)
    .default(["m7i.large", "m7i.xlarge", "m6i.large", "m6i.xlarge", "c7i.xlarge"]),
  /** Instance families or types the general pool may buy. */
  generalInstanceTypes: z
    .array(instanceType)
    .min(1)
    .default(["m7i.large", "m6i.large", "t3.large"]),
  /** Spot first for jobs, on-demand as fallback. */
  jobCapacityTypes: z
    .array(z.enum(["spot", "on-demand"]))
    .min(1)
    .default(["spot", "on-demand"]),
  generalCapacityTypes: z
    .array(z.enum(["spot", "on-demand"]))
    .min(1)
    .default(["on-demand"]),
  /** CPU limit of each pool (vCPUs). */
  jobCpuLimit: positiveInt().max(10000).default(64),
  generalCpuLimit: positiveInt().max(10000).default(32),
  /** Memory limit of each pool, GiB. */
  jobMemoryLimitGiB: positiveInt().max(100000).default(256),
  generalMemoryLimitGiB: positiveInt().max(100000).default(128),
  /** How long an empty or underused node stays before consolidation. */
  consolidateAfter: z
    .string()
    .regex(/^\d+(s|m|h)$/, "must be a duration like 60s or 5m")
    .default("60s"),
  /** Node lifetime before replacement. */
  expireAfter: z
    .string()
    .regex(/^(\d+h|Never)$/, "must be hours like 720h, or Never")
    .default("720h"),
  /** Encrypted gp3 volume of each Karpenter node (root; the data volume on Bottlerocket), GiB. */
  nodeVolumeGiB: int().min(20).max(1000).default(40),
});

export const monitoringSchema = z.strictObject({
  /** E-mail subscriptions of the alarm topic. */
  alarmEmails: emails,
  /** Alarm period, seconds. */
  periodSeconds: z
    .union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)])
    .default(300),
  /** Periods of visible-but-not-deleted messages before the preprocess stall alarm. */
  stallPeriods: int().min(1).max(100).default(3),
  /** Events queue depth that is too high. */
  eventsBacklogThreshold: positiveInt().default(50000),
  /** Periods the events backlog must last before alarming. */
  eventsBacklogPeriods: int().min(1).max(100).default(3),
  /** Pinned version of the amazon-cloudwatch-observability add-on (Container Insights). */
  observabilityAddonVersion: z
    .string()
    .regex(
      /^v\d+\.\d+\.\d+-eksbuild\.\d+$/,
      "must be an exact add-on version like v4.4.0-eksbuild.1",
    )
    .default("v4.4.0-eksbuild.1"),
  /** Retention of pod log groups, days. */
  logRetentionDays: int().min(1).max(3653).default(30),
});

export const orchestrationSchema = z.strictObject({
  /** Turn on S3 → EventBridge → Step Functions → EKS job → DynamoDB → event bus → SNS. */
  enabled: z.boolean().default(false),
  /** Prefix of raw uploads that take this path (never `input/`, which the KEDA path owns). */
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*\/$/, "must be a folder prefix like batch/")
    .default("batch/"),
  /** Where the processing runs: a Kubernetes Job (eks) or an EMR on EKS job run (emr). */
  engine: z.enum(["eks", "emr"]).default("eks"),
  /** E-mail subscriptions of the notification topic. */
  notificationEmails: emails,
  /** Hard limit on one processing job, seconds. */
  jobTimeoutSeconds: seconds(60, 86400).default(1800),
  /** EMR on EKS release of the emr engine (pin a dated label such as emr-7.9.0-20250530 in prod). */
  emrReleaseLabel: z
    .string()
    .regex(
      /^emr-\d+\.\d+\.\d+-(latest|\d{8})$/,
      "must be an EMR on EKS release label like emr-7.9.0-latest",
    )
    .default("emr-7.9.0-latest"),
});

export const settingsSchema = z.object({
  /** AWS region of the stack (from `aws:region`). */
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region like eu-west-1"),
  network: networkSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
  storage: storageSchema.prefault({}),
  queues: queuesSchema.prefault({}),
  keda: kedaSchema.prefault({}),
  workloads: workloadsSchema.prefault({}),
  image: imageSchema.prefault({}),
  /** `karpenter` adds nodes as pods need them; `none` keeps the fixed managed node group. */
  nodeAutoscaling: z.enum(["karpenter", "none"]).default("karpenter"),
  karpenter: karpenterSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  orchestration: orchestrationSchema.prefault({}),
});

export type Settings = z.infer<typeof settingsSchema>;
export type ConsumerScaling = Settings["keda"]["consumer"];
export type PreprocessScaling = Settings["keda"]["preprocess"];

/** A problem found by a rule that spans several keys. */
interface CrossFieldProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Rules that span several keys; run only on settings whose keys are each valid. */
export function crossFieldProblems(s: Settings): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  const issue = (path: (string | number)[], message: string) => problems.push({ path, message });
  const ng = s.cluster.nodeGroup;
  if (!(ng.minSize <= ng.desiredSize && ng.desiredSize <= ng.maxSize)) {
    issue(
      ["cluster", "nodeGroup", "desiredSize"],
      `must satisfy minSize (${ng.minSize}) <= desiredSize (${ng.desiredSize}) <= maxSize (${ng.maxSize})`,
    );
  }
  if (s.network.natGateways > s.network.azCount) {
    issue(["network", "natGateways"], `must be at most azCount (${s.network.azCount})`);
  }
  const planError = subnetPlanError(s.network);
  if (planError) issue(["network", "cidr"], planError);
  if (s.queues.preprocessVisibilityTimeoutSeconds <= s.queues.preprocessExpectedSeconds) {
    issue(
      ["queues", "preprocessVisibilityTimeoutSeconds"],
      `must exceed preprocessExpectedSeconds (${s.queues.preprocessExpectedSeconds})`,
    );
  }
  if (s.keda.preprocess.activeDeadlineSeconds < s.queues.preprocessExpectedSeconds) {
    issue(
      ["keda", "preprocess", "activeDeadlineSeconds"],
      `must be at least queues.preprocessExpectedSeconds (${s.queues.preprocessExpectedSeconds})`,
    );
  }
  const c = s.keda.consumer;
  if (c.minReplicas > c.maxReplicas) {
    issue(["keda", "consumer", "minReplicas"], `must be at most maxReplicas (${c.maxReplicas})`);
  }
  // The consumer holds a message while its batch is open (up to the batch age), then writes and
  // deletes it; it refuses to start unless the visibility timeout leaves as much again for that.
  if (s.queues.eventsVisibilityTimeoutSeconds < 2 * s.workloads.consumerBatchMaxAgeSeconds) {
    issue(
      ["queues", "eventsVisibilityTimeoutSeconds"],
      `must be at least twice workloads.consumerBatchMaxAgeSeconds (${s.workloads.consumerBatchMaxAgeSeconds}) so a batch is stored before its messages reappear`,
    );
  }
  if (s.orchestration.prefix === "input/") {
    issue(["orchestration", "prefix"], "must differ from input/, which the KEDA path processes");
  }
  if (
    s.orchestration.enabled &&
    s.orchestration.engine === "eks" &&
    !s.cluster.endpointPublicAccess
  ) {
    issue(
      ["orchestration", "engine"],
      "eks needs cluster.endpointPublicAccess true: Step Functions' EKS integration calls the public API endpoint (or use engine emr)",
    );
  }
  if (s.nodeAutoscaling === "karpenter") {
    // A pool of the wrong architecture never launches a node for the image: the pods would pend.
    const arm = s.image.platform === "linux/arm64";
    for (const key of ["jobInstanceTypes", "generalInstanceTypes"] as const) {
      const wrong = s.karpenter[key].filter((t) => isArmInstanceType(t) !== arm);
      if (wrong.length) {
        issue(
          ["karpenter", key],
          `must match image.platform ${s.image.platform}: ${wrong.join(", ")} ${arm ? "are x86" : "are ARM (Graviton)"}`,
        );
      }
    }
  }
  return problems;
}

/** Whether an EC2 instance type is ARM (Graviton: a `g` after the generation, as in m7g, c7gn, t4g; or a1). */
export function isArmInstanceType(type: string): boolean {
  return /^a1\./.test(type) || /^[a-z]+\d+[a-z-]*g[a-z-]*\./.test(type);
}

/** Thrown for invalid settings; `message` lists every problem, one per line. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/**
 * Validates raw settings (already un-namespaced: `{ region, network: {...}, ... }`) and fills defaults.
 * Every problem names the key (with the `<project>:` prefix a user writes), the bad value and what is allowed.
 */
export function parseSettings(raw: unknown): Settings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) {
    const crossField = crossFieldProblems(result.data);
    if (crossField.length === 0) return result.data;
    throw new SettingsError(
      crossField.map((p) => {
        const key = `${PROJECT}:${p.path.join(".")}`;
        return `${key}: ${p.message} (got ${JSON.stringify(valueAt(result.data, p.path))})`;
      }),
    );
  }
  const problems = result.error.issues.map((i) => {
    const path = i.path.map(String);
    const key = path[0] === "region" ? "aws:region" : `${PROJECT}:${path.join(".")}`;
    if (i.code === "unrecognized_keys") {
      const where = path.length ? `${PROJECT}:${path.join(".")}` : PROJECT;
      return `${where}: unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(", ")} (check the spelling against Pulumi.yaml)`;
    }
    const value = valueAt(raw, i.path as PropertyKey[]);
    const got = value === undefined ? "nothing" : JSON.stringify(value);
    return `${key}: ${i.message} (got ${got})`;
  });
  throw new SettingsError(problems);
}

/**
 * Turns a stack's config map (`{ "event-pipeline:network": {...} | "<json>", "aws:region": "..." }`,
 * as `pulumi.runtime.allConfig()` or a parsed `Pulumi.<stack>.yaml` gives it) into raw settings.
 */
export function settingsInputFromConfig(config: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (fullKey === "aws:region") raw.region = value;
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    raw[fullKey.slice(PROJECT.length + 1)] = decodeConfigValue(value);
  }
  return raw;
}

function decodeConfigValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (
    /^[[{]/.test(trimmed) ||
    trimmed === "true" ||
    trimmed === "false" ||
    /^-?\d+(\.\d+)?$/.test(trimmed)
  ) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** A parsed IPv4 CIDR. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; undefined when it is not a valid, aligned IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix };
}

/** Formats an address and prefix as `a.b.c.d/n`. */
export function formatCidr(base: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** The subnet plan of a network: one private and one public subnet per AZ, private first. */
export interface SubnetPlan {
  readonly privateCidrs: string[];
  readonly publicCidrs: string[];
}

/**
 * Plans subnets inside the VPC CIDR: private subnets of `privateSubnetPrefix` packed from the start,
 * then public subnets 4 bits smaller (they only hold NAT gateways and load balancers).
 */
export function planSubnets(network: z.infer<typeof networkSchema>): SubnetPlan {
  const error = subnetPlanError(network);
  const vpc = parseCidr(network.cidr);
  if (error || !vpc)
    throw new SettingsError([`${PROJECT}:network.cidr: ${error ?? "invalid CIDR"}`]);
  const privateSize = 2 ** (32 - network.privateSubnetPrefix);
  const publicPrefix = network.privateSubnetPrefix + 4;
  const publicSize = 2 ** (32 - publicPrefix);
  const privateCidrs: string[] = [];
  const publicCidrs: string[] = [];
  for (let i = 0; i < network.azCount; i++) {
    privateCidrs.push(formatCidr(vpc.base + i * privateSize, network.privateSubnetPrefix));
  }
  const publicStart = vpc.base + network.azCount * privateSize;
  for (let i = 0; i < network.azCount; i++) {
    publicCidrs.push(formatCidr(publicStart + i * publicSize, publicPrefix));
  }
  return { privateCidrs, publicCidrs };
}

/** Why the subnet plan cannot fit the VPC CIDR, or undefined when it fits. */
export function subnetPlanError(network: z.infer<typeof networkSchema>): string | undefined {
  const vpc = parseCidr(network.cidr);
  if (!vpc) return "must be an aligned IPv4 CIDR like 10.0.0.0/16";
  if (vpc.prefix < 16 || vpc.prefix > 24)
    return `prefix /${vpc.prefix} is outside what a VPC allows (/16 to /24)`;
  if (network.privateSubnetPrefix <= vpc.prefix) {
    return `privateSubnetPrefix /${network.privateSubnetPrefix} must be longer than the VPC's /${vpc.prefix}`;
  }
  if (network.privateSubnetPrefix + 4 > 28)
    return `privateSubnetPrefix /${network.privateSubnetPrefix} leaves public subnets smaller than /28`;
  const needed =
    network.azCount * 2 ** (32 - network.privateSubnetPrefix) +
    network.azCount * 2 ** (28 - network.privateSubnetPrefix);
  const available = 2 ** (32 - vpc.prefix);
  if (needed > available) {
    return `${network.azCount} private /${network.privateSubnetPrefix} and public /${network.privateSubnetPrefix + 4} subnets need ${needed} addresses but ${network.cidr} has ${available}; use a larger CIDR or a longer privateSubnetPrefix`;
  }
  return undefined;
}
