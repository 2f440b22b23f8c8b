/**
 * How many cores the container may use: the cgroup CPU quota (what Kubernetes sets from the
 * container's `resources.limits.cpu`), not the host's core count. A pod limited to 1 CPU on a
 * 16-core node must not start 16 workers: they would only be throttled by CFS.
 *
 * cgroup v2: `/sys/fs/cgroup/cpu.max` holds "QUOTA PERIOD" or "max PERIOD" (no limit).
 * cgroup v1: `cpu.cfs_quota_us` (-1 = no limit) and `cpu.cfs_period_us` under `/sys/fs/cgroup/cpu`.
 * See the kernel's cgroup-v2 documentation ("cpu.max") and the CFS bandwidth control notes
 * (Documentation/scheduler/sched-bwc.rst).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** The CPU limit in cores from cgroup v2 `cpu.max` text, or undefined when unlimited/unreadable. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return undefined;
  return coresOf(Number(quota), Number(period ?? 100000));
}

/** The CPU limit in cores from cgroup v1 quota and period texts, or undefined when unlimited. */
export function parseCfsQuota(quotaText: string, periodText: string): number | undefined {
  return coresOf(Number(quotaText.trim()), Number(periodText.trim()));
}

function coresOf(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) {
    return undefined;
  }
  return quota / period;
}

/** Reads a file, or undefined when it does not exist or cannot be read. */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Where the limits are read (overridable for tests). */
export interface CgroupPaths {
  readonly v2CpuMax: string;
  readonly v1Quota: string;
  readonly v1Period: string;
}

export const CGROUP_PATHS: CgroupPaths = {
  v2CpuMax: "/sys/fs/cgroup/cpu.max",
  v1Quota: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
  v1Period: "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
};

/**
 * Cores this process may use: the cgroup quota rounded up (a 1.5-CPU limit still lets two threads
 * make progress), capped by the cores the OS offers (`os.availableParallelism()`, which already
 * honours the CPU affinity mask), and at least 1.
 */
export function containerCpuLimit(
  paths: CgroupPaths = CGROUP_PATHS,
  hostCores: number = availableParallelism(),
): number {
  const v2 = readOptional(paths.v2CpuMax);
  let limit = v2 === undefined ? undefined : parseCpuMax(v2);
  if (v2 === undefined) {
    const quota = readOptional(paths.v1Quota);
    const period = readOptional(paths.v1Period);
    if (quota !== undefined && period !== undefined) limit = parseCfsQuota(quota, period);
  }
  const cores = limit === undefined ? hostCores : Math.min(hostCores, Math.ceil(limit - 1e-9));
  return Math.max(1, cores);
}
