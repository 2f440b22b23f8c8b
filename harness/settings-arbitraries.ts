/**
 * fast-check generators of whole program runs (project name, stack name, config map) over a stack
 * file: every settings key that changes a physical name, a count, a size, a retention, a period or a
 * policy's size is drawn across the range the schema accepts, on top of the stack file's values.
 * The cross-key rules that would refuse most draws (ordered sizes, a visibility timeout above its
 * job time, ...) are built in; `acceptedCases` keeps only what `parseSettings` accepts.
 */
import fc from "fast-check";
import {
  AUTO_MODE_MAX_EXPIRE_HOURS,
  BUCKET_PREFIX_MAX_LENGTH,
  LOG_RETENTION_DAYS,
  NODE_AUTOSCALING_MODES,
  parseSettings,
  PROJECT,
  S3_RESERVED_PREFIXES,
  settingsInputFromConfig,
} from "../config";
import type { BatchCase } from "./program-batch";

/** The characters Pulumi allows in project and stack names (`config/limits.ts` PULUMI_STACK_NAME). */
export const PULUMI_NAME_CHARS =
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".split("");
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789".split("");

/** A Pulumi name (1-100 of its characters) of exactly `length` characters. */
export const pulumiNameOfLength = (length: number) =>
  fc.string({ unit: fc.constantFrom(...PULUMI_NAME_CHARS), minLength: length, maxLength: length });

/** A name of exactly `length` characters, mostly lowercase letters and digits with "-" or "_" inside. */
const nameOfLength = (length: number) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.string({
        unit: fc.oneof(
          { weight: 12, arbitrary: fc.constantFrom(...LOWER) },
          { weight: 1, arbitrary: fc.constantFrom("-", "_") },
        ),
        minLength: length,
        maxLength: length,
      }),
    },
    { weight: 1, arbitrary: pulumiNameOfLength(length) },
  );

/** A name of lowercase words joined by single hyphens, at most `max` long. */
const plainName = (max: number) =>
  fc
    .array(fc.string({ unit: fc.constantFrom(...LOWER), minLength: 1, maxLength: 10 }), {
      minLength: 1,
      maxLength: 8,
    })
    .map((words) => words.join("-").slice(0, max).replace(/-+$/, ""))
    .filter((s) => s.length > 0);

/** A stack or project name: mostly what AWS can take as it is, sometimes anything Pulumi allows. */
const anyName = (plainMax: number) =>
  fc.oneof(
    { weight: 3, arbitrary: plainName(plainMax) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom(...PULUMI_NAME_CHARS),
        minLength: 1,
        maxLength: 100,
      }),
    },
  );

const dnsLabel = plainName(63).filter((s) => /^[a-z]/.test(s));
const int = (min: number, max: number) => fc.integer({ min, max });
/** Each key of `model` present or absent (absent: the stack file's value or the default). */
const some = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) =>
  fc.record(model, { requiredKeys: [] });

const bucketPrefix = fc
  .string({
    unit: fc.constantFrom(...LOWER, "-"),
    minLength: 1,
    maxLength: BUCKET_PREFIX_MAX_LENGTH,
  })
  .filter(
    (p) =>
      /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p) &&
      !S3_RESERVED_PREFIXES.some((r) => p.startsWith(r)),
  );

/** Queue timings with the rules built in: visibility above the job time, twice the batch age. */
const timings = fc
  .record({
    expected: int(10, 43_199),
    visibilityExtra: int(1, 43_190),
    age: int(1, 900),
    eventsExtra: int(0, 43_200),
    deadlineExtra: int(0, 86_400),
  })
  .map((t) => {
    const visibility = Math.min(43_200, t.expected + t.visibilityExtra);
    return {
      queues: {
        preprocessExpectedSeconds: t.expected,
        preprocessVisibilityTimeoutSeconds: Math.max(visibility, t.expected + 1),
        eventsVisibilityTimeoutSeconds: Math.min(43_200, Math.max(30, 2 * t.age + t.eventsExtra)),
      },
      workloads: { consumerBatchMaxAgeSeconds: t.age },
      activeDeadlineSeconds: Math.min(86_400, Math.max(60, t.expected + t.deadlineExtra)),
    };
  });

/** min <= desired <= max of the node group. */
const nodeGroupSizes = fc
  .uniqueArray(int(1, 100), { minLength: 3, maxLength: 3 })
  .map((v) => v.sort((a, b) => a - b))
  .map(([minSize, desiredSize, maxSize]) => ({ minSize, desiredSize, maxSize }));

/** Overrides of every section, to lay over the stack file's sections. */
const sections = fc.record({
  timings,
  nodeGroup: fc.option(nodeGroupSizes, { nil: undefined }),
  network: some({ azCount: int(2, 3), natOne: fc.boolean(), privateSubnetPrefix: int(18, 24) }),
  cluster: some({
    kubernetesVersion: int(28, 39).map((m) => `1.${m}`),
    logRetentionDays: fc.constantFrom(1, 3, 5, 7, 14, 30, 60, 90, 180, 365),
    endpointPublicAccess: fc.boolean(),
  }),
  diskSizeGiB: fc.option(int(20, 1000), { nil: undefined }),
  capacityType: fc.option(fc.constantFrom("ON_DEMAND", "SPOT"), { nil: undefined }),
  storage: some({
    bucketPrefix,
    forceDestroy: fc.boolean(),
    rawRetentionDays: int(0, 3650),
    processedRetentionDays: int(0, 3650),
    eventsRetentionDays: int(0, 3650),
    noncurrentVersionDays: int(1, 3650),
  }),
  queues: some({ maxReceiveCount: int(1, 1000), messageRetentionSeconds: int(60, 1_209_600) }),
  consumer: some({ minReplicas: int(0, 3), maxReplicas: int(3, 40), queueLength: int(1, 100_000) }),
  preprocess: some({
    maxReplicaCount: int(1, 60),
    successfulJobsHistoryLimit: int(0, 100),
    failedJobsHistoryLimit: int(0, 100),
    backoffLimit: int(0, 10),
    ttlSecondsAfterFinished: int(0, 604_800),
  }),
  kedaNamespace: fc.option(dnsLabel, { nil: undefined }),
  workloads: some({
    namespace: dnsLabel,
    producerReplicas: int(0, 5),
    preprocessMaxInputMiB: int(1, 8_000),
  }),
  image: some({ keepLastImages: int(1, 1000) }),
  nodeAutoscaling: fc.option(fc.constantFrom(...NODE_AUTOSCALING_MODES), { nil: undefined }),
  karpenter: some({
    // Hours up to twice Auto Mode's 21-day ceiling, so auto-mode draws land on both sides of it.
    expireAfter: fc.oneof(
      int(1, 2 * AUTO_MODE_MAX_EXPIRE_HOURS).map((h) => `${h}h`),
      fc.constant("Never"),
    ),
    jobCpuLimit: int(64, 10_000),
    generalCpuLimit: int(32, 10_000),
    jobMemoryLimitGiB: int(256, 100_000),
    generalMemoryLimitGiB: int(128, 100_000),
    nodeVolumeGiB: int(20, 1000),
  }),
  monitoring: some({
    periodSeconds: fc.constantFrom(60, 300, 900, 3600),
    stallPeriods: int(1, 100),
    eventsBacklogPeriods: int(1, 100),
    eventsBacklogThreshold: int(1, 10_000_000),
    logRetentionDays: fc.oneof(fc.constantFrom(...LOG_RETENTION_DAYS), int(1, 3653)),
  }),
  orchestration: some({
    enabled: fc.boolean(),
    engine: fc.constantFrom("eks", "emr"),
    prefix: plainName(40).map((p) => `${p}/`),
    jobTimeoutSeconds: int(60, 86_400),
    notificationEmails: fc.array(fc.constantFrom("a@example.com", "ops@example.org"), {
      maxLength: 2,
    }),
  }),
});

type Sections = typeof sections extends fc.Arbitrary<infer T> ? T : never;
type Raw = Record<string, Record<string, unknown> | undefined>;

/** The stack file's config with `o` laid over it, as full config keys. */
function configWith(base: Record<string, unknown>, o: Sections): Record<string, unknown> {
  const raw = settingsInputFromConfig(base) as Raw;
  const section = (key: string) => ({ ...(raw[key] ?? {}) });
  const cluster = { ...section("cluster"), ...o.cluster };
  const nodeGroup = { ...((cluster.nodeGroup as object | undefined) ?? {}), ...o.nodeGroup };
  if (o.diskSizeGiB !== undefined) Object.assign(nodeGroup, { diskSizeGiB: o.diskSizeGiB });
  if (o.capacityType !== undefined) Object.assign(nodeGroup, { capacityType: o.capacityType });
  const { natOne, ...network } = { ...section("network"), ...o.network };
  const azCount = (network.azCount as number | undefined) ?? 2;
  const keda = section("keda");
  const settings: Raw = {
    network: {
      ...network,
      natGateways: natOne ? 1 : Math.min(azCount, (network.natGateways as number) ?? 1),
    },
    cluster: { ...cluster, nodeGroup },
    storage: { ...section("storage"), ...o.storage },
    queues: { ...section("queues"), ...o.timings.queues, ...o.queues },
    keda: {
      ...keda,
      ...(o.kedaNamespace ? { namespace: o.kedaNamespace } : {}),
      consumer: { ...((keda.consumer as object | undefined) ?? {}), ...o.consumer },
      preprocess: {
        ...((keda.preprocess as object | undefined) ?? {}),
        ...o.preprocess,
        activeDeadlineSeconds: o.timings.activeDeadlineSeconds,
      },
    },
    workloads: { ...section("workloads"), ...o.timings.workloads, ...o.workloads },
    image: { ...section("image"), ...o.image },
    karpenter: { ...section("karpenter"), ...o.karpenter },
    monitoring: { ...section("monitoring"), ...o.monitoring },
    orchestration: { ...section("orchestration"), ...o.orchestration },
  };
  // Keys the stack file sets that no generator overrides stay as they are.
  const config: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(settings)) config[`${PROJECT}:${key}`] = value;
  if (o.nodeAutoscaling) config[`${PROJECT}:nodeAutoscaling`] = o.nodeAutoscaling;
  return config;
}

/** Whole program runs over `base` (a stack file's config), with names of `stackLength` if given. */
export function programCases(
  base: Record<string, unknown>,
  stackLength?: number,
): fc.Arbitrary<BatchCase> {
  return fc
    .record({
      project: fc.oneof({ weight: 3, arbitrary: fc.constant(PROJECT) }, anyName(30)),
      stack: stackLength === undefined ? anyName(60) : nameOfLength(stackLength),
      sections,
    })
    .map(({ project, stack, sections: o }) => ({ project, stack, config: configWith(base, o) }));
}

/** Whether `parseSettings` accepts the case (as the program will parse it). */
export function accepts(c: BatchCase): boolean {
  try {
    parseSettings(settingsInputFromConfig(c.config), { project: c.project, stack: c.stack });
    return true;
  } catch {
    return false;
  }
}

/**
 * `count` cases over `base` that `parseSettings` accepts, reproducibly from `seed`: first one stack
 * name of every length from 1 up to the longest accepted, then any.
 */
export function acceptedCases(
  base: Record<string, unknown>,
  count: number,
  seed: number,
): BatchCase[] {
  const out: BatchCase[] = [];
  // Lengths past the longest accepted one find nothing; three misses in a row end the walk.
  for (let length = 1, misses = 0; length <= 100 && misses < 3 && out.length < count; length++) {
    let pick: BatchCase | undefined;
    for (let attempt = 0; attempt < 4 && !pick; attempt++) {
      pick = fc
        .sample(programCases(base, length), { numRuns: 15, seed: seed + 100 * length + attempt })
        .find(accepts);
    }
    if (pick) out.push(pick);
    misses = pick ? 0 : misses + 1;
  }
  let round = 0;
  while (out.length < count && round < 50) {
    const drawn = fc.sample(programCases(base), {
      numRuns: count * 2,
      seed: seed * 1000 + round++,
    });
    out.push(...drawn.filter(accepts).slice(0, count - out.length));
  }
  return out;
}
