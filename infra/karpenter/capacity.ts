/**
 * Capacity and cost arithmetic for the README's "Node autoscaling" note: how many preprocess jobs
 * and consumers fit on each instance type the pools may buy, and what each pool costs per hour at
 * most when it is filled to its CPU/memory limits. Pure; the inputs are the settings, the pods'
 * resource requests and the small instance table below.
 */
import type { Settings } from "../../config";
import { poolShape, type PoolKind } from "../../k8s/specs";

/** Date and source of {@link INSTANCE_TABLE}'s prices. */
export const PRICE_TABLE = {
  date: "2026-01-19",
  region: "us-east-1",
  source:
    "AWS Price List (Linux, shared tenancy, on-demand), as generated into Karpenter's initial price table",
  currency: "USD",
} as const;

/** One instance type: size, the pods its ENIs allow (VPC CNI, no prefix delegation), and price. */
export interface InstanceSpec {
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** `ENIs × (IPv4 addresses per ENI − 1) + 2`: the kubelet's max-pods on EKS AMIs. */
  readonly maxPods: number;
  /** On-demand price per hour ({@link PRICE_TABLE}); spot is lower, so this is the ceiling. */
  readonly onDemandHourly: number;
}

/** The instance types of the default pools and stacks. */
export const INSTANCE_TABLE: Readonly<Record<string, InstanceSpec>> = {
  "m7i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, onDemandHourly: 0.1008 },
  "m7i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, onDemandHourly: 0.2016 },
  "m6i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, onDemandHourly: 0.096 },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, onDemandHourly: 0.192 },
  "m5.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, onDemandHourly: 0.096 },
  "c7i.xlarge": { vcpu: 4, memoryGiB: 8, maxPods: 58, onDemandHourly: 0.1785 },
  "t3.large": { vcpu: 2, memoryGiB: 8, maxPods: 35, onDemandHourly: 0.0832 },
};

/** Share of memory Karpenter assumes the hypervisor keeps (its `vmMemoryOverheadPercent` default). */
export const VM_MEMORY_OVERHEAD = 0.075;

/** The kubelet's hard eviction threshold on EKS AMIs, MiB. */
export const EVICTION_HARD_MIB = 100;

/**
 * Requests of the DaemonSet pods on every node (estimates from the add-ons' manifests: aws-node
 * 25m, kube-proxy 100m, CloudWatch agent 250m/128Mi and Fluent Bit 50m/25Mi for Container
 * Insights; the Pod Identity agent requests nothing). Four pods.
 */
export const DAEMONSET_OVERHEAD = { cpuMilli: 425, memoryMiB: 153, pods: 4 } as const;

/** A pod's requests in millicores and MiB. */
export interface PodRequests {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** Parses a Kubernetes CPU quantity (`500m`, `2`, `0.5`) to millicores. */
export function cpuMilli(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`unsupported CPU quantity ${JSON.stringify(quantity)}`);
  return m[2] === "m" ? Number(m[1]) : Number(m[1]) * 1000;
}

/** Parses a Kubernetes memory quantity (`256Mi`, `1Gi`, `512M`) to MiB. */
export function memoryMiB(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!m) throw new Error(`unsupported memory quantity ${JSON.stringify(quantity)}`);
  const factors: Record<string, number> = {
    "": 1 / 1048576,
    Ki: 1 / 1024,
    Mi: 1,
    Gi: 1024,
    Ti: 1048576,
    k: 1000 / 1048576,
    M: 1e6 / 1048576,
    G: 1e9 / 1048576,
    T: 1e12 / 1048576,
  };
  return Number(m[1]) * (factors[m[2] ?? ""] ?? 1);
}

/** CPU the kubelet reserves on EKS AMIs: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above. */
export function kubeReservedCpuMilli(vcpu: number): number {
  const bands: [number, number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ];
  let left = vcpu;
  let reserved = 0;
  for (const [cores, share] of bands) {
    const used = Math.min(left, cores);
    reserved += used * 1000 * share;
    left -= used;
    if (left <= 0) break;
  }
  return reserved;
}

/** Memory the kubelet reserves on EKS AMIs: 11 MiB per pod slot plus 255 MiB. */
export function kubeReservedMemoryMiB(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** What a node of a type offers to workload pods once the kubelet and DaemonSets are served. */
export interface NodeAllocatable {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

/** Allocatable CPU, memory and pod slots for workload pods on one node (Karpenter's estimate). */
export function workloadAllocatable(spec: InstanceSpec): NodeAllocatable {
  const memory =
    spec.memoryGiB * 1024 * (1 - VM_MEMORY_OVERHEAD) -
    kubeReservedMemoryMiB(spec.maxPods) -
    EVICTION_HARD_MIB;
  return {
    cpuMilli: spec.vcpu * 1000 - kubeReservedCpuMilli(spec.vcpu) - DAEMONSET_OVERHEAD.cpuMilli,
    memoryMiB: memory - DAEMONSET_OVERHEAD.memoryMiB,
    pods: spec.maxPods - DAEMONSET_OVERHEAD.pods,
  };
}

/** How many pods with these requests fit on one node of a type. */
export function podsPerNode(spec: InstanceSpec, pod: PodRequests): number {
  const a = workloadAllocatable(spec);
  return Math.max(
    0,
    Math.min(
      Math.floor(a.cpuMilli / pod.cpuMilli),
      Math.floor(a.memoryMiB / pod.memoryMiB),
      a.pods,
    ),
  );
}

/** The instance spec of a type, or an error naming the table to extend. */
export function instanceSpec(type: string): InstanceSpec {
  const spec = INSTANCE_TABLE[type];
  if (!spec) {
    throw new Error(`no entry for ${type} in INSTANCE_TABLE (infra/karpenter/capacity.ts)`);
  }
  return spec;
}

/**
 * The most a pool can cost per hour when filled to its limits with on-demand nodes (spot is
 * cheaper). Any mix of nodes within the limits costs at most `cpuLimit × max(price per vCPU)` and
 * at most `memoryLimit × max(price per GiB)`, so the smaller of the two bounds every mix.
 */
export function poolHourlyCeiling(
  types: readonly string[],
  cpuLimit: number,
  memoryLimitGiB: number,
): number {
  const specs = types.map(instanceSpec);
  const perVcpu = Math.max(...specs.map((s) => s.onDemandHourly / s.vcpu));
  const perGiB = Math.max(...specs.map((s) => s.onDemandHourly / s.memoryGiB));
  return Math.min(cpuLimit * perVcpu, memoryLimitGiB * perGiB);
}

/** The largest number of nodes of one type a pool's limits admit. */
export function nodesWithinLimits(spec: InstanceSpec, cpuLimit: number, memoryGiB: number): number {
  return Math.floor(Math.min(cpuLimit / spec.vcpu, memoryGiB / spec.memoryGiB));
}

/** One row of the capacity note. */
export interface CapacityRow {
  readonly pool: PoolKind;
  readonly instanceType: string;
  /** Pods of the pool's workload(s) per node. */
  readonly perNode: Readonly<Record<string, number>>;
  /** Nodes of this type the pool's limits admit. */
  readonly maxNodes: number;
  readonly onDemandHourly: number;
}

/** One pool's summary. */
export interface PoolCapacity {
  readonly pool: PoolKind;
  readonly cpuLimit: number;
  readonly memoryLimitGiB: number;
  readonly capacityTypes: readonly string[];
  /** Upper bound of the pool's hourly cost at its limits ({@link poolHourlyCeiling}). */
  readonly hourlyCeiling: number;
  readonly rows: CapacityRow[];
}

/** The pods each pool serves: preprocess jobs on the job pool; consumers and producers on the general one. */
const POOL_WORKLOADS: Readonly<
  Record<PoolKind, readonly ("preprocess" | "consumer" | "producer")[]>
> = {
  jobs: ["preprocess"],
  general: ["consumer", "producer"],
};

/** The capacity note for a stack's settings and the workloads' requests. */
export function capacityReport(
  settings: Settings,
  requests: Readonly<Record<"preprocess" | "consumer" | "producer", PodRequests>>,
): PoolCapacity[] {
  return (["jobs", "general"] as const).map((pool) => {
    const shape = poolShape(settings, pool);
    const rows = shape.instanceTypes.map((type) => {
      const spec = instanceSpec(type);
      return {
        pool,
        instanceType: type,
        perNode: Object.fromEntries(
          POOL_WORKLOADS[pool].map((w) => [w, podsPerNode(spec, requests[w])]),
        ),
        maxNodes: nodesWithinLimits(spec, shape.cpuLimit, shape.memoryLimitGiB),
        onDemandHourly: spec.onDemandHourly,
      };
    });
    return {
      pool,
      cpuLimit: shape.cpuLimit,
      memoryLimitGiB: shape.memoryLimitGiB,
      capacityTypes: shape.capacityTypes,
      hourlyCeiling: poolHourlyCeiling(shape.instanceTypes, shape.cpuLimit, shape.memoryLimitGiB),
      rows,
    };
  });
}

/**
 * Whether the job pool's limits can hold `maxReplicaCount` preprocess jobs at once, counted by
 * requests (`jobs × request ≤ limit` for CPU and memory).
 */
export function jobPoolHolds(settings: Settings, job: PodRequests): boolean {
  const shape = poolShape(settings, "jobs");
  const jobs = settings.keda.preprocess.maxReplicaCount;
  return (
    jobs * job.cpuMilli <= shape.cpuLimit * 1000 &&
    jobs * job.memoryMiB <= shape.memoryLimitGiB * 1024
  );
}

/** The capacity note as Markdown tables (the README embeds this text verbatim). */
export function renderCapacityNote(report: readonly PoolCapacity[]): string {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const lines: string[] = [];
  for (const pool of report) {
    const workloads = Object.keys(pool.rows[0]?.perNode ?? {});
    lines.push(
      `**${pool.pool} pool** (${pool.capacityTypes.join(" then ")}; limits ${pool.cpuLimit} vCPU, ${pool.memoryLimitGiB} GiB): at most **${usd(pool.hourlyCeiling)}/h** on demand`,
      "",
      `| instance type | ${workloads.map((w) => `${w} pods per node`).join(" | ")} | nodes within limits | on-demand $/h |`,
      `|---|${workloads.map(() => "---|").join("")}---|---|`,
      ...pool.rows.map(
        (r) =>
          `| ${r.instanceType} | ${workloads.map((w) => String(r.perNode[w])).join(" | ")} | ${r.maxNodes} | ${r.onDemandHourly.toFixed(4)} |`,
      ),
      "",
    );
  }
  return lines.join("\n").trimEnd();
}
