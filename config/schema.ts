/**
 * The stack settings' schema: one zod schema with a default for everything configurable. Rules that
 * span several keys are in `rules.ts`, decoding Pulumi config in `decode.ts`, and `parse.ts` runs
 * both (docs/DESIGN.md "Settings"). Pure: no Pulumi engine, no I/O.
 */
import {
  DEFAULT_MAX_INPUT_MIB,
  PATH_PREFIX_PATTERN,
  PRODUCER_LIVENESS_TIMEOUT_SECONDS,
} from "@pipeline/processor/contract";
import { z } from "zod";
import { EKS_KUBERNETES_VERSIONS, LOG_RETENTION_DAYS } from "./limits";
import { BUCKET_PREFIX_MAX_LENGTH, S3_RESERVED_PREFIXES } from "./physical";
import { parseCidr } from "./subnets";

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
    .refine(
      (v) => (EKS_KUBERNETES_VERSIONS as readonly string[]).includes(v),
      `must be a Kubernetes version EKS offers (${EKS_KUBERNETES_VERSIONS.join(", ")}; eks/latest/userguide/kubernetes-versions.html): pick one of them`,
    )
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
  /**
   * IAM roles that run `pulumi preview` (the pull-request workflow's read-only role): each gets an
   * access entry with the read-only AmazonEKSAdminViewPolicy, so the Kubernetes provider and the
   * Helm releases can read the cluster during preview and can change nothing (README "Previews").
   */
  previewPrincipalArns: z
    .array(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN"),
    )
    .default([]),
  nodeGroup: nodeGroupSchema.prefault({}),
});

export const storageSchema = z.strictObject({
  /**
   * Start of every bucket name instead of `<project>-<stack>` (for stack names too long for S3's
   * 63 characters: the provider allows a 37-character prefix, and `-processed-` plus its own
   * 26-character suffix follow). Changing it replaces the buckets.
   */
  bucketPrefix: z
    .string()
    .max(BUCKET_PREFIX_MAX_LENGTH)
    .regex(
      /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
      "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    )
    .refine(
      (p) => !S3_RESERVED_PREFIXES.some((r) => p.startsWith(r)),
      `must not start with a prefix S3 reserves (${S3_RESERVED_PREFIXES.join(", ")})`,
    )
    .optional(),
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
  /**
   * Largest upload a preprocess job accepts, MiB (a larger one gets an error report); the job
   * pod's `/tmp` and `ephemeral-storage` are sized from it (about 2.7x: the input and its outputs).
   */
  preprocessMaxInputMiB: positiveInt().max(102_400).default(DEFAULT_MAX_INPUT_MIB),
  /** The producer's liveness probe fails when no send succeeded for this long while one was due. */
  producerLivenessTimeoutSeconds: int()
    .min(30, "must be at least 30 (s): one send may take that long under the SDK's own retries")
    .max(3600, "must be at most 3600 (s): a stuck producer should be restarted within the hour")
    .default(PRODUCER_LIVENESS_TIMEOUT_SECONDS),
});

export const imageSchema = z.strictObject({
  /** Images kept in ECR; older ones expire. */
  keepLastImages: int().min(1).max(1000).default(20),
  platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
});

/** How nodes are added: self-managed Karpenter, EKS Auto Mode, or the fixed node group only. */
export const NODE_AUTOSCALING_MODES = ["karpenter", "auto-mode", "none"] as const;

/**
 * The node pools' shape. With `karpenter` every key applies; with `auto-mode` the job* keys,
 * consolidateAfter, expireAfter and nodeVolumeGiB shape the preprocess jobs' Auto Mode NodePool and
 * NodeClass, and the producer and consumer run on Auto Mode's built-in general-purpose pool (the
 * general* keys, chartVersion and amiAlias do not apply: AWS picks the AMI and runs Karpenter).
 */
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
  /** Retention of pod log groups, days: one of the periods CloudWatch Logs accepts. */
  logRetentionDays: int()
    .refine(
      (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
      `must be a retention CloudWatch Logs accepts (PutRetentionPolicy: ${LOG_RETENTION_DAYS.join(", ")} days): use the nearest of them`,
    )
    .default(30),
});

export const orchestrationSchema = z.strictObject({
  /** Turn on S3 → EventBridge → Step Functions → EKS job → DynamoDB → event bus → SNS. */
  enabled: z.boolean().default(false),
  /** Prefix of raw uploads that take this path (never `input/`, which the KEDA path owns). */
  prefix: z
    .string()
    .regex(PATH_PREFIX_PATTERN, "must be a folder prefix like batch/")
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
  /**
   * `karpenter` installs Karpenter, which adds nodes as pods need them; `auto-mode` lets EKS Auto
   * Mode (AWS-run Karpenter) do it, with no managed node group; `none` keeps the fixed managed node
   * group.
   */
  nodeAutoscaling: z.enum(NODE_AUTOSCALING_MODES).default("karpenter"),
  karpenter: karpenterSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  orchestration: orchestrationSchema.prefault({}),
});

export type Settings = z.infer<typeof settingsSchema>;
export type ConsumerScaling = Settings["keda"]["consumer"];
export type PreprocessScaling = Settings["keda"]["preprocess"];
